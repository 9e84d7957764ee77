"""Socrata's system fields :id, :created_at, :updated_at and :* (#18)."""

import json

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import field


def answer(client, parameters: dict[str, str], slug: str = "service-requests"):
    response = client.get(f"/resource/{slug}.json", parameters)
    return response.status_code, json.loads(response.getvalue())


def test_id_is_the_rows_key_and_orders_like_it(client, requests_dataset):
    status, rows = answer(client, {"$select": ":id, case_id", "$order": ":id desc", "$limit": "5"})
    assert status == 200, rows
    assert [row[":id"] for row in rows] == [f"row-{row['case_id']}" for row in rows]
    cases = [int(row["case_id"]) for row in rows]
    assert cases == sorted(cases, reverse=True)
    chosen = rows[2][":id"]
    status, found = answer(client, {"$where": f":id = '{chosen}'", "$select": "case_id"})
    assert found == [{"case_id": rows[2]["case_id"]}]


def test_created_and_updated_at_are_the_versions_publication_times(client, requests_dataset):
    published = requests_dataset.latest_version.published_at
    written = published.replace(tzinfo=None).isoformat(timespec="milliseconds")
    status, rows = answer(client, {"$select": ":*, *", "$limit": "1"})
    assert status == 200, rows
    (row,) = rows
    assert row[":created_at"] == row[":updated_at"] == written
    assert row[":id"] == f"row-{row['case_id']}"
    assert {"case_id", "type", "created_date"} <= row.keys()
    assert "street_address" not in row
    everything = answer(client, {"$select": "count(*)", "$where": ":updated_at > '2000-01-01'"})
    nothing = answer(client, {"$select": "count(*)", "$where": ":created_at < '2000-01-01'"})
    assert everything[1] == [{"count": "200"}] and nothing[1] == [{"count": "0"}]
    status, rows = answer(client, {"$select": "case_id", "$order": ":updated_at desc, case_id"})
    assert status == 200 and len(rows) == 200


@pytest.fixture
def hidden_key(db, settings, tmp_path) -> str:
    settings.CITYSTAT_HOME = tmp_path / "home"
    schema = {
        "fields": [field("parcel", public=False), field("use"), field("value", "integer")],
        "primaryKey": ["parcel"],
    }
    dataset = Dataset.objects.create(slug="parcels", title="Parcels", table_schema=schema,
                                     is_public=True)  # fmt: skip
    source = tmp_path / "parcels.csv"
    source.write_text("parcel,use,value\nP-1,home,10\nP-2,shop,20\n")
    ingest(dataset, source)
    return dataset.slug


@pytest.mark.parametrize("clause", ["$select", "$where", "$order", "$group"])
def test_a_system_field_built_from_a_withheld_key_is_no_such_column(client, hidden_key, clause):
    value = {"$where": "{} = 'x'"}.get(clause, "{}")
    withheld = answer(client, {clause: value.format(":id")}, hidden_key)
    missing = answer(client, {clause: value.format(":nothing")}, hidden_key)
    assert withheld[0] == missing[0] == 400
    assert withheld[1]["code"] == missing[1]["code"] == "query.soql.no-such-column"
    assert ":id" not in json.dumps(missing[1])
    assert "P-1" not in json.dumps(withheld[1])


def test_a_withheld_column_named_as_a_system_field_is_no_such_column(client, requests_dataset):
    withheld = answer(client, {"$select": ":street_address"})
    missing = answer(client, {"$select": ":nothing_here"})
    assert withheld[0] == missing[0] == 400
    assert withheld[1]["code"] == missing[1]["code"] == "query.soql.no-such-column"
    assert withheld[1]["message"].replace("street_address", "nothing_here") == missing[1]["message"]
