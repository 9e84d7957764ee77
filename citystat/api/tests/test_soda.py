"""SODA 2.x over HTTP: Django's client for the shape, sodapy against a live server."""

import json
from typing import Any

import pytest
import requests
from sodapy import Socrata

from citystat.api.soda import four_by_four
from citystat.catalog import warehouse
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset


def warehouse_rows(sql: str) -> list[tuple[Any, ...]]:
    with warehouse._connect() as connection:
        return connection.execute(sql).fetchall()


def test_rows_are_objects_with_numbers_as_strings_and_nulls_left_out(client, requests_dataset):
    response = client.get("/resource/service-requests.json?$where=status='OPEN'&$limit=1")
    row = json.loads(response.getvalue())[0]
    assert response.status_code == 200
    assert isinstance(row["case_id"], str) and row["case_id"].isdigit()
    assert "closed_date" not in row  # open requests have no close date
    assert row["created_date"].endswith("T00:00:00.000")


def test_withheld_columns_never_leave_the_warehouse(client, requests_dataset):
    body = client.get("/resource/service-requests.json").getvalue().decode()
    assert "street_address" not in body
    refused = client.get("/resource/service-requests.json?$select=street_address")
    assert refused.status_code == 400
    assert json.loads(refused.getvalue())["code"] == "query.soql.no-such-column"


def test_headers_name_fields_and_types(client, requests_dataset):
    response = client.get(
        "/resource/service-requests.json?$select=council_district, count(*)&$group=council_district"
    )
    assert json.loads(response["X-SODA2-Fields"]) == ["council_district", "count"]
    assert json.loads(response["X-SODA2-Types"]) == ["number", "number"]


def test_malformed_soql_is_a_socrata_shaped_400(client, requests_dataset):
    response = client.get("/resource/service-requests.json?$where=case_id = = 3")
    body = json.loads(response.getvalue())
    assert response.status_code == 400
    assert body["error"] is True and body["code"] == "query.compiler.malformed"
    assert "Traceback" not in body["message"] and "SELECT" not in body["message"]


def test_the_four_by_four_id_and_the_slug_both_work(client, requests_dataset):
    identifier = four_by_four("service-requests")
    assert len(identifier) == 9 and identifier[4] == "-"
    by_id = client.get(f"/resource/{identifier}.json?$limit=5").getvalue()
    assert by_id == client.get("/resource/service-requests.json?$limit=5").getvalue()


def test_csv_has_a_header_and_the_same_rows(client, requests_dataset):
    text = client.get("/resource/service-requests.csv?$select=case_id&$limit=3").getvalue().decode()
    assert text.splitlines()[0] == "case_id" and len(text.splitlines()) == 4


def test_an_internal_dataset_is_not_found(client, requests_dataset):
    Dataset.objects.filter(pk=requests_dataset.pk).update(is_public=False)
    assert client.get("/resource/service-requests.json").status_code == 404


def test_metadata_lists_public_columns_in_socrata_shape(client, requests_dataset):
    metadata = json.loads(client.get("/api/views/service-requests.json").content)
    fields = [column["fieldName"] for column in metadata["columns"]]
    assert "case_id" in fields and "street_address" not in fields
    assert metadata["id"] == four_by_four("service-requests")


@pytest.fixture
def socrata(live_server, requests_dataset):
    host = live_server.url.removeprefix("http://")
    client = Socrata(
        host,
        None,
        session_adapter={"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()},
    )
    yield client
    client.close()


def test_sodapy_get_with_soql_matches_the_warehouse(socrata, transactional_db):
    rows = socrata.get(
        "service-requests",
        select="council_district, count(*) as n",
        where="status = 'RESOL'",
        group="council_district",
        order="council_district",
    )
    expected = warehouse_rows(
        'select council_district, count(*) from "ds_service_requests" '
        "where status = 'RESOL' group by 1 order by 1"
    )
    assert [(row.get("council_district"), row["n"]) for row in rows] == [
        (None if district is None else str(district), str(count)) for district, count in expected
    ]


def test_sodapy_get_all_pages_through_every_row_once(socrata, transactional_db):
    case_ids = [row["case_id"] for row in socrata.get_all("service-requests", select="case_id")]
    assert len(case_ids) == len(set(case_ids)) == 200


def test_sodapy_get_metadata(socrata, transactional_db):
    metadata = socrata.get_metadata(four_by_four("service-requests"))
    assert metadata["name"] == "311 service requests"


@pytest.fixture
def notes(db, settings, tmp_path) -> Dataset:
    settings.CITYSTAT_HOME = tmp_path / "home"
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "note", "type": "string"},
            {"name": "change", "type": "number"},
        ]
    }
    dataset = Dataset.objects.create(
        slug="notes", title="Notes", table_schema=schema, is_public=True
    )
    source = tmp_path / "notes.csv"
    source.write_text("id,note,change\n1,=HYPERLINK(1),-3.5\n2,@cmd,-1\n3,plain,2\n")
    ingest(dataset, source)
    return dataset


def test_csv_escapes_formula_text_and_leaves_negative_numbers(client, notes):
    text = client.get("/resource/notes.csv?$order=id").getvalue().decode()
    assert text.splitlines()[1:] == ["1,'=HYPERLINK(1),-3.5", "2,'@cmd,-1", "3,plain,2"]


def test_formulas_keep_gives_csv_text_as_stored(client, notes):
    text = client.get("/resource/notes.csv?$order=id&$formulas=keep").getvalue().decode()
    assert text.splitlines()[1] == "1,=HYPERLINK(1),-3.5"


def test_an_unknown_formulas_value_is_refused_by_name(client, notes):
    refused = client.get("/resource/notes.csv?$formulas=raw")
    assert refused.status_code == 400
    assert "$formulas='raw'" in json.loads(refused.getvalue())["message"]


def test_json_is_never_escaped(client, notes):
    rows = json.loads(client.get("/resource/notes.json?$order=id").getvalue())
    assert rows[0]["note"] == "=HYPERLINK(1)"
