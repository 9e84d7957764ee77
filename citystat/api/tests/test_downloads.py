"""Whole-dataset downloads, checked against the warehouse and by the formats' own tools.

The files are written by the background job (catalog/exports.py); the `built` fixture
runs it, as `citystat ingest` and the worker do on a site.
"""

import csv
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from django.test import Client

from citystat.catalog import exports, warehouse
from citystat.catalog.exports import build_exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset

from .conftest import KC_SAMPLE

URL = "/downloads/service-requests.csv"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def built(requests_dataset) -> Dataset:
    build_exports()
    return requests_dataset


@pytest.fixture(autouse=True)
def generous_limit(settings) -> None:
    settings.CITYSTAT_API_RATE_ANON = "1000/minute"


def test_csv_has_every_row_and_no_withheld_column(client, built):
    rows = list(
        csv.DictReader(io.StringIO(body(client.get("/downloads/service-requests.csv")).decode()))
    )
    assert len(rows) == 200
    assert "street_address" not in rows[0] and "case_id" in rows[0]


def test_parquet_reads_back_the_same_rows_as_the_warehouse(client, built, tmp_path):
    path = tmp_path / "download.parquet"
    path.write_bytes(body(client.get("/downloads/service-requests.parquet")))
    downloaded = duckdb.sql(f"select sum(case_id), count(*) from '{path}'").fetchall()[0]
    with warehouse._connect() as connection:
        published = connection.execute(
            'select sum(case_id), count(*) from "ds_service_requests"'
        ).fetchone()
    assert downloaded == published


def test_geojson_has_a_point_per_row(client, built):
    collection = json.loads(body(client.get("/downloads/service-requests.geojson")))
    feature = collection["features"][0]
    assert len(collection["features"]) == 200
    assert feature["geometry"]["type"] == "Point"
    assert -95 < feature["geometry"]["coordinates"][0] < -94
    assert "street_address" not in feature["properties"]


def test_an_unknown_format_or_internal_dataset_is_not_found(client, requests_dataset):
    assert client.get("/downloads/service-requests.exe").status_code == 404
    Dataset.objects.filter(pk=requests_dataset.pk).update(is_public=False)
    assert client.get("/downloads/service-requests.csv").status_code == 404


def test_the_data_package_passes_frictionless_validate(client, built, tmp_path):
    package = json.loads(client.get("/downloads/service-requests/datapackage.json").content)
    (tmp_path / "service-requests.csv").write_bytes(
        body(client.get("/downloads/service-requests.csv"))
    )
    package["resources"][0]["path"] = "service-requests.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "frictionless"),
            "validate",
            "--json",
            "datapackage.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["tasks"][0]["errors"][:3], indent=1)


def test_a_file_not_built_yet_answers_202_with_retry_after_and_builds_nothing(
    client, requests_dataset
):
    response = client.get("/downloads/service-requests.geojson")
    assert response.status_code == 202
    assert int(response["Retry-After"]) > 0
    assert "GEOJSON download of 'service-requests' version 1" in response.content.decode()
    assert not exports.exports_folder("service-requests").exists()


def test_the_job_writes_each_format_once_and_a_second_run_writes_nothing(requests_dataset):
    first = build_exports()
    assert sorted(result.extension for result in first) == ["csv", "geojson", "json", "parquet"]
    assert build_exports() == []


def test_the_whole_file_carries_its_validators_and_accepts_ranges(client, built):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["Last-Modified"]
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == len(body(response))


def test_a_range_gets_206_with_exactly_those_bytes(client, built):
    whole = body(client.get(URL))
    response = client.get(URL, HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert body(response) == whole[10:20]
    assert response["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert response["Content-Length"] == "10"


def test_an_open_and_a_suffix_range_resume_a_download(client, built):
    whole = body(client.get(URL))
    assert body(client.get(URL, HTTP_RANGE="bytes=100-")) == whole[100:]
    assert body(client.get(URL, HTTP_RANGE="bytes=-25")) == whole[-25:]


def test_a_range_past_the_end_gets_416_naming_the_size(client, built):
    size = len(body(client.get(URL)))
    response = client.get(URL, HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert f"{size:,}-byte file" in response.content.decode()


def test_an_unchanged_file_gets_304(client, built):
    first = client.get(URL)
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    again = client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_a_range_of_a_file_that_changed_since_gets_the_whole_new_file(client, built):
    response = client.get(URL, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"0-0"')
    assert response.status_code == 200
    assert len(body(response)) > 10


def test_downloads_count_against_the_api_limit_with_soda(built, settings):
    settings.CITYSTAT_API_RATE_ANON = "2/minute"
    anonymous = Client()
    assert anonymous.get("/resource/service-requests.json?$limit=1").status_code == 200
    assert anonymous.get(URL).status_code == 200
    refused = anonymous.get("/downloads/service-requests.geojson")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def shuffled_addresses(tmp_path: Path) -> Path:
    """Copy the sample with the withheld STREET ADDRESS column's values permuted."""
    with KC_SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:]
    column = header.index("STREET ADDRESS")
    addresses = [record[column] for record in records]
    random.Random(16).shuffle(addresses)
    assert addresses != [record[column] for record in records]
    for record, address in zip(records, addresses, strict=True):
        record[column] = address
    path = tmp_path / "shuffled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *records])
    return path


def test_a_withheld_column_cannot_change_one_byte_of_any_download(built, tmp_path):
    ingest(built, shuffled_addresses(tmp_path))
    build_exports()
    for extension in exports.formats_for(built):
        first = exports.export_file("service-requests", 1, extension).read_bytes()
        second = exports.export_file("service-requests", 2, extension).read_bytes()
        assert first == second, f"{extension} differs when only street_address changed"


FORMULA_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "note", "type": "string"},
        {"name": "change", "type": "number"},
    ]
}


def test_the_csv_download_escapes_formula_text_but_keeps_negative_numbers(
    client, db, settings, tmp_path
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    dataset = Dataset.objects.create(
        slug="notes", title="Notes", table_schema=FORMULA_SCHEMA, is_public=True
    )
    source = tmp_path / "notes.csv"
    source.write_text(
        'id,note,change\n1,=HYPERLINK("http://x"),-3.5\n2,+1 816,2\n3,@SUM(A1),-1\n4,plain,0\n'
    )
    ingest(dataset, source)
    build_exports()
    rows = list(csv.reader(io.StringIO(body(client.get("/downloads/notes.csv")).decode())))
    assert rows[1:] == [
        ["1", '\'=HYPERLINK("http://x")', "-3.5"],
        ["2", "'+1 816", "2.0"],
        ["3", "'@SUM(A1)", "-1.0"],
        ["4", "plain", "0.0"],
    ]
    parquet = tmp_path / "notes.parquet"
    parquet.write_bytes(body(client.get("/downloads/notes.parquet")))
    notes = duckdb.sql(f"select note from '{parquet}' order by id").fetchall()
    assert notes[0] == ('=HYPERLINK("http://x")',)  # Parquet and JSON keep the text
