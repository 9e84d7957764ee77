"""The HTTP around SODA (#18): validators and 304, SODA3, the legacy row exports, the
Discovery API, app tokens from elsewhere and the row budget of bulk readers.

Answers are checked against the warehouse read with hand-written SQL, never only by
their shape.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date
from sodapy import Socrata

from citystat.api import views
from citystat.api.conditional import settled
from citystat.api.soda import four_by_four
from citystat.catalog import warehouse
from citystat.catalog.exports import build_exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import Department

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "name", "type": "string"},
        {"name": "paid", "type": "boolean"},
        {"name": "amount", "type": "number"},
        {"name": "owner", "type": "string", "public": False},
    ],
    "primaryKey": ["id"],
}


def ledger_rows(count: int) -> list[tuple[Any, ...]]:
    return [
        (i, f"item {i % 97}", "true" if i % 3 == 0 else "false", f"{(i * 7) % 1000 / 4}", f"p{i}")
        for i in range(1, count + 1)
    ]


def make_ledger(tmp_path: Path, slug: str = "ledger", count: int = 60, **fields) -> Dataset:
    dataset = Dataset.objects.create(
        slug=slug,
        title=fields.pop("title", "Ledger"),
        table_schema=SCHEMA,
        is_public=True,
        **fields,
    )
    source = tmp_path / f"{slug}.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "paid", "amount", "owner"])
        writer.writerows(ledger_rows(count))
    ingest(dataset, source)
    return dataset


@pytest.fixture
def ledger(db, settings, tmp_path) -> Dataset:
    settings.CITYSTAT_HOME = tmp_path / "home"
    return make_ledger(tmp_path)


def warehouse_rows(sql: str) -> list[tuple[Any, ...]]:
    with warehouse._connect() as connection:
        return connection.execute(sql).fetchall()


def content(response) -> bytes:
    return response.getvalue() if response.streaming else response.content


def backdate(dataset: Dataset, hours: int = 1) -> dt.datetime:
    """Move the dataset's last change an hour back, as if published a while ago."""
    moment = (timezone.now() - dt.timedelta(hours=hours)).replace(microsecond=0)
    Dataset.objects.filter(pk=dataset.pk).update(updated_at=moment)
    DatasetVersion.objects.filter(dataset=dataset).update(published_at=moment, finished_at=moment)
    return moment


# Validators and 304 -------------------------------------------------------------------


def test_a_soda_answer_is_not_sent_again_while_its_version_stands(client, ledger):
    url = "/resource/ledger.json?$order=id&$limit=5"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and content(again) == b""
    other = client.get("/resource/ledger.json?$order=id&$limit=6")
    assert other["ETag"] != first["ETag"]
    assert client.get("/resource/ledger.csv?$order=id&$limit=5")["ETag"] != first["ETag"]


def test_a_new_version_is_sent_to_a_client_holding_the_old_etag(client, ledger, tmp_path):
    url = "/resource/ledger.json?$select=count(*)"
    first = client.get(url)
    source = tmp_path / "more.csv"
    source.write_text("id,name,paid,amount,owner\n1,a,true,1.5,x\n")
    ingest(ledger, source)
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert json.loads(content(changed)) == [{"count": "1"}]


def test_withholding_a_column_changes_the_etag_even_without_a_save(client, ledger):
    url = "/resource/ledger.json?$order=id&$limit=2"
    first = client.get(url)
    assert "name" in json.loads(content(first))[0]
    schema = json.loads(json.dumps(SCHEMA))
    schema["fields"][1]["public"] = False
    # .update() leaves updated_at alone: the ETag must still see the schema change.
    Dataset.objects.filter(pk=ledger.pk).update(table_schema=schema)
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert "name" not in json.loads(content(after))[0]


def test_if_modified_since_is_answered_from_the_publication(client, ledger, tmp_path):
    published = backdate(ledger)
    url = "/resource/ledger.json?$limit=1"
    first = client.get(url)
    assert first["Last-Modified"] == http_date(published.timestamp())
    assert first["X-SODA2-Truth-Last-Modified"] == first["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    source = tmp_path / "again.csv"
    source.write_text("id,name,paid,amount,owner\n1,a,true,1.5,x\n")
    ingest(ledger, source)
    DatasetVersion.objects.filter(dataset=ledger, status="published").update(
        published_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_no_last_modified_for_a_change_in_the_current_second():
    now = timezone.now()
    assert settled(now) is None
    assert settled(now + dt.timedelta(seconds=5)) is None
    earlier = now - dt.timedelta(seconds=2)
    assert settled(earlier) == earlier


def test_a_refused_query_carries_no_validators(client, ledger):
    refused = client.get("/resource/ledger.json?$where=owner = 'p1'")
    assert refused.status_code == 400
    assert not refused.has_header("ETag") and not refused.has_header("Last-Modified")


def test_soda2_headers_of_a_2_1_endpoint(client, ledger):
    response = client.get("/resource/ledger.json?$select=id, paid, amount&$limit=1")
    assert response["X-SODA2-Legacy-Types"] == "false"
    assert json.loads(response["X-SODA2-Fields"]) == ["id", "paid", "amount"]
    assert json.loads(response["X-SODA2-Types"]) == ["number", "boolean", "number"]
    assert response["X-SODA2-Data-Out-Of-Date"] == "false"


@pytest.mark.parametrize(
    "url",
    [
        "/data.json",
        "/api/3/action/package_list",
        "/api/3/action/package_show?id=ledger",
        "/api/catalog/v1",
        "/api/views/ledger.json",
    ],
)
def test_catalogue_answers_get_304_and_change_with_a_silent_update(client, ledger, url):
    department = Department.objects.create(code="fin", name="Finance")
    Dataset.objects.filter(pk=ledger.pk).update(department=department)
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert not first.has_header("Last-Modified")
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # A rename leaves no timestamp anywhere; the ETag still moves.
    Department.objects.filter(pk=department.pk).update(name="Finance Department")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    if "package_list" not in url:  # the list names datasets only
        assert "Finance Department" in again.content.decode()


def test_a_dataset_made_private_leaves_the_catalogue_at_once(client, ledger, tmp_path):
    make_ledger(tmp_path, slug="other", title="Other")
    first = client.get("/data.json")
    Dataset.objects.filter(pk=ledger.pk).update(is_public=False)
    after = client.get("/data.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert [entry["title"] for entry in after.json()["dataset"]] == ["Other"]


# SODA3 ---------------------------------------------------------------------------------

QUERY = "SELECT paid, count(*) AS n, sum(amount) AS total WHERE id > 5 GROUP BY paid ORDER BY paid"


def test_soda3_get_answers_exactly_as_soda2_query(client, ledger):
    soda2 = client.get("/resource/ledger.json", {"$query": QUERY})
    soda3 = client.get(f"/api/v3/views/{four_by_four('ledger')}/query.json", {"query": QUERY})
    assert soda3.status_code == 200
    body = content(soda3)
    assert body == content(soda2)
    assert soda3["X-SODA2-Fields"] == soda2["X-SODA2-Fields"]
    expected = warehouse_rows(
        'select paid, count(*), sum(amount) from "ds_ledger" where id > 5 group by 1 order by 1'
    )
    answer = json.loads(body)
    assert [(row["paid"], int(row["n"]), float(row["total"])) for row in answer] == [
        (paid, count, pytest.approx(total)) for paid, count, total in expected
    ]


def test_soda3_post_with_a_page_is_the_query_with_limit_and_offset(ledger):
    client = Client(enforce_csrf_checks=True)
    body = {
        "query": "SELECT id, name ORDER BY id",
        "page": {"pageNumber": 3, "pageSize": 7},
        "includeSynthetic": False,
    }
    posted = client.post(
        "/api/v3/views/ledger/query.json", json.dumps(body), content_type="application/json"
    )
    assert posted.status_code == 200
    soda2 = client.get(
        "/resource/ledger.json", {"$query": "SELECT id, name ORDER BY id LIMIT 7 OFFSET 14"}
    )
    body = content(posted)
    assert body == content(soda2)
    assert [row["id"] for row in json.loads(body)] == [str(i) for i in range(15, 22)]


def test_soda3_export_csv_is_the_soda2_csv(client, ledger):
    exported = client.post(
        "/api/v3/views/ledger/export.csv",
        json.dumps({"query": "SELECT id, amount WHERE paid ORDER BY id"}),
        content_type="application/json",
    )
    soda2 = client.get(
        "/resource/ledger.csv", {"$query": "SELECT id, amount WHERE paid ORDER BY id"}
    )
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert content(exported) == content(soda2)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "SELECT id LIMIT 5", "page": {"pageNumber": 1, "pageSize": 2}}, "not both"),
        ({"query": "SELECT id", "includeSynthetic": True}, "includeSynthetic"),
        ({"query": "SELECT id", "page": {"pageNumber": 0, "pageSize": 2}}, "at least 1"),
        ({"query": "SELECT id", "page": {"pageNumber": 1, "pageSize": 50001}}, "pageSize"),
        ({"query": "SELECT id", "orderBy": "id"}, "orderBy: not understood"),
        ({"query": "SELECT owner"}, "no such column"),
        ([1, 2], "JSON object"),
    ],
)
def test_soda3_refuses_what_it_cannot_answer_exactly(client, ledger, body, message):
    refused = client.post(
        "/api/v3/views/ledger/query.json", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 400
    assert message in json.loads(content(refused))["message"]


# Legacy row exports --------------------------------------------------------------------


def test_rows_json_holds_every_public_row_and_no_withheld_column(client, ledger):
    response = client.get(f"/api/views/{four_by_four('ledger')}/rows.json")
    assert response.status_code == 200
    text = content(response).decode()
    assert "owner" not in text and "p17" not in text
    document = json.loads(text)
    names = [column["fieldName"] for column in document["meta"]["view"]["columns"]]
    assert names == ["id", "name", "paid", "amount"]
    expected = warehouse_rows('select id, name, paid, amount from "ds_ledger" order by id')
    assert [(int(row[0]), row[1], row[2], float(row[3])) for row in document["data"]] == [
        (i, name, paid, float(amount)) for i, name, paid, amount in expected
    ]


def test_rows_json_refuses_a_dataset_too_large_to_send_whole(client, ledger, monkeypatch):
    monkeypatch.setattr(views, "MAX_LIMIT", 60)
    refused = client.get("/api/views/ledger/rows.json")
    assert refused.status_code == 400
    assert "/downloads/ledger.csv" in json.loads(content(refused))["message"]
    monkeypatch.setattr(views, "MAX_LIMIT", 61)
    assert len(json.loads(content(client.get("/api/views/ledger/rows.json")))["data"]) == 60


def test_rows_csv_is_the_csv_download(client, ledger):
    pending = client.get("/api/views/ledger/rows.csv?accessType=DOWNLOAD")
    assert pending.status_code == 202 and pending["Retry-After"]
    build_exports()
    exported = client.get("/api/views/ledger/rows.csv?accessType=DOWNLOAD")
    download = client.get("/downloads/ledger.csv")
    assert exported.status_code == 200
    assert b"".join(exported.streaming_content) == b"".join(download.streaming_content)
    assert (
        client.get("/api/views/ledger/rows.csv", HTTP_IF_NONE_MATCH=exported["ETag"]).status_code
        == 304
    )
    assert client.get("/api/views/ledger/rows.csv?$where=id=1").status_code == 400


# Discovery API -------------------------------------------------------------------------


@pytest.fixture
def catalogue(ledger, tmp_path) -> list[Dataset]:
    Dataset.objects.filter(pk=ledger.pk).update(
        tags=["finance", "budget"], description="Paid bills"
    )
    permits = make_ledger(
        tmp_path, slug="permits", title="Building permits", count=3, tags=["housing"]
    )
    make_ledger(tmp_path, slug="hidden", title="Internal notes", count=3, tags=["finance"])
    Dataset.objects.filter(slug="hidden").update(is_public=False)
    return [Dataset.objects.get(pk=ledger.pk), permits]


def discover(client, **parameters) -> dict[str, Any]:
    response = client.get("/api/catalog/v1", parameters)
    assert response.status_code == 200, response.content
    return response.json()


def test_discovery_lists_public_datasets_with_public_columns_only(client, catalogue):
    answer = discover(client)
    assert answer["resultSetSize"] == 2
    ids = {result["resource"]["id"] for result in answer["results"]}
    assert ids == {four_by_four("ledger"), four_by_four("permits")}
    for result in answer["results"]:
        assert result["resource"]["columns_field_name"] == ["id", "name", "paid", "amount"]
        assert len(result["resource"]["columns_datatype"]) == 4
        assert "owner" not in result["resource"]["columns_name"]


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"q": "paid bills"}, ["Ledger"]),
        ({"q": "notes"}, []),
        ({"tags": "finance"}, ["Ledger"]),
        ({"categories": "housing"}, ["Building permits"]),
        ({"ids": four_by_four("permits")}, ["Building permits"]),
        ({"domains": "elsewhere.example"}, []),
        ({"domains": "testserver"}, ["Building permits", "Ledger"]),
        ({"column_names": "owner"}, []),
        ({"public": "false"}, []),
        ({"order": "name DESC"}, ["Ledger", "Building permits"]),
        ({"order": "name", "limit": "1", "offset": "1"}, ["Ledger"]),
    ],
)
def test_discovery_filters(client, catalogue, parameters, expected):
    answer = discover(client, **parameters)
    assert [result["resource"]["name"] for result in answer["results"]] == expected


@pytest.mark.parametrize("parameters", [{"shared_to": "me"}, {"only": "map"}, {"limit": "x"}])
def test_discovery_refuses_a_filter_it_cannot_honour(client, catalogue, parameters):
    refused = client.get("/api/catalog/v1", parameters)
    assert refused.status_code == 400 and refused.json()["error"]


# App tokens and the row budget -----------------------------------------------------------


def test_a_token_from_elsewhere_is_served_as_anonymous(ledger):
    socrata_token = Client(HTTP_X_APP_TOKEN="aBcD3fGh1jKlMnOpQrStUvWx")
    assert socrata_token.get("/resource/ledger.json").status_code == 200
    assert socrata_token.get("/api/3/action/package_list").status_code == 200
    forged = Client(HTTP_X_APP_TOKEN="cst_forged")
    assert forged.get("/resource/ledger.json").status_code == 403


def test_small_answers_each_count_as_a_page_of_rows(client, ledger, settings):
    settings.CITYSTAT_API_ROWS_ANON = "3000/minute"
    codes = [client.get("/resource/ledger.json?$limit=1").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/resource/ledger.json?$limit=1")
    assert "3000 rows" in refused.json()["message"] and int(refused["Retry-After"]) >= 1


def test_a_large_answer_counts_its_rows(db, settings, tmp_path, client):
    settings.CITYSTAT_HOME = tmp_path / "home"
    make_ledger(tmp_path, count=5000)
    settings.CITYSTAT_API_ROWS_ANON = "6000/minute"
    assert client.get("/resource/ledger.json?$limit=5000").status_code == 200
    assert client.get("/resource/ledger.json?$limit=1").status_code == 200
    assert client.get("/resource/ledger.json?$limit=1").status_code == 429


# sodapy, unmodified, against a live server -----------------------------------------------


@pytest.fixture
def socrata(live_server):
    host = live_server.url.removeprefix("http://")
    client = Socrata(
        host,
        None,
        session_adapter={"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()},
    )
    yield client
    client.close()


def test_sodapy_get_with_every_clause_matches_the_warehouse(socrata, ledger, transactional_db):
    grouped = socrata.get(
        "ledger",
        select="paid, count(*) AS n, sum(amount) AS total",
        where="amount > 10",
        group="paid",
        order="paid",
    )
    expected = warehouse_rows(
        'select paid, count(*), sum(amount) from "ds_ledger" '
        "where amount > 10 group by 1 order by 1"
    )
    assert [(row["paid"], int(row["n"]), float(row["total"])) for row in grouped] == [
        (paid, count, pytest.approx(total)) for paid, count, total in expected
    ]
    page = socrata.get("ledger", select="id, name", order="id DESC", limit=5, offset=7)
    expected_page = warehouse_rows(
        'select id, name from "ds_ledger" order by id desc limit 5 offset 7'
    )
    assert [(int(row["id"]), row["name"]) for row in page] == expected_page
    by_query = socrata.get("ledger", query="SELECT id, name ORDER BY id DESC LIMIT 5 OFFSET 7")
    assert by_query == page


def test_sodapy_metadata_and_attachments(socrata, ledger, transactional_db, tmp_path):
    metadata = socrata.get_metadata(four_by_four("ledger"))
    assert metadata["name"] == "Ledger"
    assert [column["fieldName"] for column in metadata["columns"]] == [
        "id",
        "name",
        "paid",
        "amount",
    ]
    assert metadata["metadata"]["attachments"] == []
    assert socrata.download_attachments("ledger", download_dir=str(tmp_path / "files")) == []
    assert not (tmp_path / "files").exists()


def test_sodapy_datasets_lists_the_public_catalogue(socrata, catalogue, transactional_db):
    found = socrata.datasets()
    assert sorted(result["resource"]["id"] for result in found) == sorted(
        four_by_four(slug) for slug in ("ledger", "permits")
    )
    assert [r["resource"]["name"] for r in socrata.datasets(tags=["housing"])] == [
        "Building permits"
    ]
    assert len(socrata.datasets(limit=1)) == 1


def test_sodapy_with_a_socrata_app_token_reads_as_anonymous(live_server, ledger, transactional_db):
    host = live_server.url.removeprefix("http://")
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    with Socrata(host, "aBcD3fGh1jKlMnOpQrStUvWx", session_adapter=adapter) as client:
        assert len(client.get("ledger", limit=3)) == 3


def check_get_all(socrata, count: int) -> None:
    ids = [int(row["id"]) for row in socrata.get_all("ledger", select="id")]
    assert len(ids) == len(set(ids)) == count
    assert sorted(ids) == [
        row[0] for row in warehouse_rows('select id from "ds_ledger" order by id')
    ]


def test_sodapy_get_all_is_not_cut_off_by_the_request_limit(
    live_server, settings, tmp_path, transactional_db, socrata
):
    # Scaled down: 20 pages against a limit of 10 requests a minute. Paging counts rows.
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_API_RATE_ANON = "10/minute"
    make_ledger(tmp_path, count=20_000)
    check_get_all(socrata, 20_000)


@pytest.mark.slow
def test_sodapy_get_all_reads_200000_rows_at_default_settings(
    live_server, settings, tmp_path, transactional_db, socrata
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    make_ledger(tmp_path, count=200_000)
    check_get_all(socrata, 200_000)
