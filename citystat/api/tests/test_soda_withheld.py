"""Withheld columns stay unreachable through SODA, however a query names them (#16, High 1).

The attacks are the penetration test's own, against the 311 sample whose first case,
2020002530, is at 4900 E 63rd St (`street_address` is withheld).
"""

import csv
import json

import pytest
import sqlglot
from sqlglot import exp

from citystat.api.soql import Column, compile_query
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.demo.datasets import DEMOLITIONS_SCHEMA

ATTACKS = {
    "having": "$select=count(*) as street_address&$where=case_id=2020002530"
    "&$group=street_address&$having=street_address = '{guess}'",
    "having_compared": "$select=count(*) as street_address&$where=case_id=2020002530"
    "&$group=street_address&$having=street_address >= '{guess}'",
    "order": "$select=case_id as street_address&$where=case_id in (2020002530, 2020000015)"
    "&$order=upper(street_address) = '{guess}'",
    "group_expression": "$select=upper(type) as street_address, count(*)"
    "&$where=case_id=2020002530&$group=street_address&$having=max(street_address) = '{guess}'",
}


def answer(client, query: str):
    response = client.get(f"/resource/service-requests.json?{query}")
    return response.status_code, json.loads(response.getvalue())


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_right_guess_and_a_wrong_guess_get_the_same_answer(client, requests_dataset, attack):
    right = answer(client, ATTACKS[attack].format(guess="4900 E 63rd St"))
    wrong = answer(client, ATTACKS[attack].format(guess="1 Nowhere St"))
    assert right == wrong
    assert right[0] == 400


def test_an_alias_may_not_take_a_withheld_columns_name(client, requests_dataset):
    status, body = answer(client, "$select=count(*) as street_address")
    assert status == 400
    assert body["message"] == "$select: an alias may not reuse a column's name: 'street_address'."


def test_an_alias_may_not_take_a_public_columns_name(client, requests_dataset):
    status, body = answer(client, "$select=upper(type) as category")
    assert status == 400
    assert body["message"] == "$select: an alias may not reuse a column's name: 'category'."


@pytest.mark.parametrize(
    "clause",
    [
        "$where=street_address = 'x'",
        "$select=upper(street_address)",
        "$order=street_address",
        "$group=street_address",
        "$select=count(*)&$having=max(street_address) > 'a'",
        "street_address=x",
    ],
)
def test_a_withheld_column_is_refused_as_if_it_did_not_exist(client, requests_dataset, clause):
    withheld = answer(client, clause)
    missing = answer(client, clause.replace("street_address", "no_such_thing"))
    assert withheld[0] == missing[0] == 400
    assert withheld[1]["code"] == missing[1]["code"] == "query.soql.no-such-column"
    assert withheld[1]["message"] == missing[1]["message"].replace(
        "no_such_thing", "street_address"
    )


def test_an_alias_resolves_after_the_columns_and_means_its_expression(client, requests_dataset):
    status, rows = answer(
        client,
        "$select=upper(type) as kind, count(*) as n&$group=kind&$having=n > 10&$order=n desc",
    )
    assert status == 200
    assert rows and all(row["kind"] == row["kind"].upper() and int(row["n"]) > 10 for row in rows)
    assert [int(row["n"]) for row in rows] == sorted((int(row["n"]) for row in rows), reverse=True)


COLUMNS = {"case_id": Column("case_id", "integer"), "type": Column("type", "string")}


@pytest.mark.parametrize(
    "parameters",
    [
        {"$select": "count(*) as n, type", "$group": "type", "$having": "n > 1"},
        {"$select": "case_id as id", "$order": "upper(id) desc, :id"},
        {"$q": "pothole", "type": "x", "$where": "case_id > 1"},
        {},
    ],
)
def test_the_sql_reads_a_projection_of_the_public_columns_only(parameters):
    sql = compile_query(parameters, COLUMNS, "requests", ["case_id"], withheld=["street_address"])
    tree = sqlglot.parse_one(sql.sql, read="duckdb")
    (table,) = tree.find_all(exp.Table)
    projection = table.parent_select
    assert table.name == "requests" and projection is not tree
    assert [column.name for column in projection.expressions] == ["case_id", "type"]
    assert "street_address" not in sql.sql
    # Every column the outer query reads is qualified by the projection's name, so no
    # engine can resolve it to an output alias or to anything but a public column.
    outer = [c for c in tree.find_all(exp.Column) if c.parent_select is tree]
    assert outer and all(column.table == projection.parent.alias for column in outer)


@pytest.fixture
def demolitions(db, settings, tmp_path):
    """Three demolitions of the demo's schema; `parcel_id` is withheld."""
    settings.CITYSTAT_HOME = tmp_path / "home"
    names = [spec["name"] for spec in DEMOLITIONS_SCHEMA["fields"]]
    rows = [
        [1, "KC-0001", "1 Elm St", "Westside", 4, 39.1, -94.6, "fire", "planned", "", "", 9000],
        [2, "KC-0450", "2 Oak St", "Westside", 4, 39.1, -94.6, "fire", "planned", "", "", 8000],
        [3, "KC-0999", "3 Ash St", "Westside", 4, 39.1, -94.6, "fire", "planned", "", "", 7000],
    ]
    path = tmp_path / "demolitions.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([names, *rows])
    dataset = Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    ingest(dataset, path)
    return dataset


@pytest.mark.parametrize(
    "query",
    [
        "$select=count(*) as parcel_id&$where=demolition_id=2&$group=parcel_id"
        "&$having=parcel_id >= '{guess}'",
        "$select=demolition_id as parcel_id&$order=upper(parcel_id) >= '{guess}', demolition_id",
    ],
)
def test_the_demolitions_parcel_id_cannot_be_guessed_either(client, demolitions, query):
    answers = [
        client.get(f"/resource/demolitions.json?{query.format(guess=guess)}")
        for guess in ("KC-0400", "KC-0500")
    ]
    assert [r.status_code for r in answers] == [400, 400]
    assert answers[0].getvalue() == answers[1].getvalue()
    assert b"may not reuse a column's name: 'parcel_id'" in answers[0].getvalue()
