"""Whole-dataset downloads, checked against the warehouse and by the formats' own tools."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_has_every_row_and_no_withheld_column(client, requests_dataset):
    rows = list(
        csv.DictReader(io.StringIO(body(client.get("/downloads/service-requests.csv")).decode()))
    )
    assert len(rows) == 200
    assert "street_address" not in rows[0] and "case_id" in rows[0]


def test_parquet_reads_back_the_same_rows_as_the_warehouse(client, requests_dataset, tmp_path):
    path = tmp_path / "download.parquet"
    path.write_bytes(body(client.get("/downloads/service-requests.parquet")))
    downloaded = duckdb.sql(f"select sum(case_id), count(*) from '{path}'").fetchall()[0]
    with warehouse.connect() as connection:
        published = connection.execute(
            'select sum(case_id), count(*) from "ds_service_requests"'
        ).fetchone()
    assert downloaded == published


def test_geojson_has_a_point_per_row(client, requests_dataset):
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


def test_the_data_package_passes_frictionless_validate(client, requests_dataset, tmp_path):
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
