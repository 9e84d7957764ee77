"""Sources other than a local CSV: TSV, Parquet, NDJSON, GeoJSON, http(s) and Socrata."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from citystat.catalog import sources
from citystat.catalog.inference import infer_schema
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset

from .conftest import FIXTURES, published, write

ROWS = [{"id": str(i), "opened": "2020-01-0" + str(i), "score": str(i)} for i in range(1, 8)]


class SodaHandler(BaseHTTPRequestHandler):
    """Answers /resource/abcd-1234.json like SODA 2.x: $limit, $offset, $order=:id."""

    requests: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        type(self).requests.append(query)
        if url.path == "/files/scores.csv":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"id,opened,score\n1,2020-01-01,3\n")
            return
        if url.path != "/resource/abcd-1234.json":
            self.send_error(404)
            return
        start, limit = int(query.get("$offset", 0)), int(query.get("$limit", 1000))
        body = json.dumps(ROWS[start : start + limit]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def soda_server(settings) -> Iterator[str]:
    # A portal on this machine is an intranet source: the allow-list has to name it.
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    SodaHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SodaHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_socrata_dataset_is_read_page_by_page_in_a_stable_order(scores, soda_server, monkeypatch):
    monkeypatch.setattr(sources, "SOCRATA_PAGE_SIZE", 3)
    version = ingest(scores, f"socrata+http://{soda_server}/abcd-1234")
    assert version.row_count == 7
    assert [row[0] for row in published("scores")] == list(range(1, 8))
    assert [(r["$offset"], r["$limit"], r["$order"]) for r in SodaHandler.requests] == [
        ("0", "3", ":id"),
        ("3", "3", ":id"),
        ("6", "3", ":id"),
    ]


def test_a_wrong_socrata_id_is_one_sentence(scores, soda_server):
    with pytest.raises(IngestError, match="socrata://HOST/ABCD-1234"):
        ingest(scores, f"socrata+http://{soda_server}/nope")
    with pytest.raises(IngestError, match="page at offset 0 could not be read"):
        ingest(scores, f"socrata+http://{soda_server}/zzzz-9999")


def test_a_csv_over_http_is_downloaded_and_loaded(scores, soda_server):
    ingest(scores, f"http://{soda_server}/files/scores.csv")
    assert published("scores")[0][0] == 1
    with pytest.raises(IngestError, match="could not be downloaded"):
        ingest(scores, f"http://{soda_server}/files/missing.csv")


def test_tab_separated_files_load(scores, tmp_path):
    ingest(scores, write(tmp_path, "id\topened\tscore\n1\t01/07/2020\t3\n", "s.tsv"))
    assert published("scores")[0][0] == 1


def test_semicolon_separated_files_load(scores, tmp_path):
    ingest(scores, write(tmp_path, "id;opened;score\n1;01/07/2020;7\n", "s.csv"))
    assert published("scores")[0][2] == 7.0


def test_a_semicolon_file_whose_header_has_quoted_commas_is_read_as_semicolons(tmp_path):
    # Two commas inside quotes against two semicolons: counting characters picked ",".
    path = write(tmp_path, '"id, the case";"opened";"score, out of 10"\n1;01/07/2020;7\n')
    header, delimiter = sources.read_csv_header(path, "utf-8", "s.csv")
    assert delimiter == ";"
    assert header == ["id, the case", "opened", "score, out of 10"]


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ('a|b|"c|d, e, f, g"\n1|2|3\n', "|"),
        ("only\n1\n2\n", ","),
        ("a\tb\n1\t2\n", "\t"),
    ],
)
def test_the_delimiter_is_sniffed_from_quoted_fields_and_defaults_to_comma(sample, delimiter):
    assert sources.guess_delimiter(sample) == delimiter


def test_parquet_files_load_with_their_types_read_through_the_schema(scores, tmp_path):
    path = tmp_path / "s.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select 1 as id, date '2020-01-07' as opened, 3.5 as score) to '{path}'"
        )
    ingest(scores, path)
    assert published("scores")[0][0] == 1 and str(published("scores")[0][1]) == "2020-01-07"


def test_ndjson_files_load(scores, tmp_path):
    lines = "\n".join(json.dumps(row) for row in ROWS[:2])
    ingest(scores, write(tmp_path, lines, "s.ndjson"))
    assert [row[0] for row in published("scores")] == [1, 2]


def test_geojson_features_become_rows_with_their_geometry(db, tmp_path):
    schema = {
        "fields": [{"name": "nbhname"}, {"name": "nbhid", "type": "integer"}, {"name": "geometry"}]
    }
    dataset = Dataset.objects.create(slug="neighborhoods", title="N", table_schema=schema)
    feature = {
        "type": "Feature",
        "properties": {"nbhname": "Westport", "nbhid": 12},
        "geometry": {"type": "Point", "coordinates": [-94.59, 39.05]},
    }
    document = {"type": "FeatureCollection", "features": [feature]}
    ingest(dataset, write(tmp_path, json.dumps(document), "n.geojson"))
    name, number, geometry = published("neighborhoods")[0]
    assert (name, number) == ("Westport", 12)
    assert json.loads(geometry)["coordinates"] == [-94.59, 39.05]


def test_a_file_that_is_not_geojson_says_so(db, tmp_path):
    dataset = Dataset.objects.create(slug="n", title="N", table_schema={"fields": [{"name": "a"}]})
    with pytest.raises(IngestError, match="is not a GeoJSON FeatureCollection"):
        ingest(dataset, write(tmp_path, "[1, 2]", "n.geojson"))


def test_a_schema_is_drafted_from_a_sample_with_types_titles_map_and_withheld_fields():
    schema, column_map = infer_schema(FIXTURES / "kc311_sample.csv")
    fields = {spec["name"]: spec for spec in schema["fields"]}
    assert fields["case_id"]["type"] == "integer"
    assert fields["creation_date"] == {
        "name": "creation_date",
        "type": "date",
        "title": "CREATION DATE",
        "format": "%m/%d/%y",
    }
    assert fields["latitude"]["type"] == "number"
    assert fields["street_address"]["public"] is False
    assert column_map == {"c_30_60_90_days_open_window": "30-60-90 Days Open Window"}


def test_a_drafted_schema_loads_its_own_sample(db):
    schema, column_map = infer_schema(FIXTURES / "kc311_sample.csv")
    dataset = Dataset.objects.create(
        slug="drafted", title="Drafted", table_schema=schema, column_map=column_map
    )
    assert ingest(dataset, FIXTURES / "kc311_sample.csv").row_count == 200
