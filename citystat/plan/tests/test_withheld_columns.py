"""A public measure never reads a column its dataset withholds (issue #16, High 2).

The plan importer, the admin, Measure.save and `citystat compute` each refuse it with
the same sentence; an internal measure may read any column.
"""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import User

from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.accounts.testing import signed_in
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan.compute.run import compute_measures
from citystat.plan.compute.spec import WithheldColumnError
from citystat.plan.documents import PlanDocumentError, load_plan
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV, REQUESTS_SCHEMA

REFUSED = (
    "measure 'by-address': column 'street_address' of dataset 'requests' is not public; "
    "make the measure internal or use a public column"
)
# The 311 requests of conftest with two withheld columns: who asked, and where.
PRIVATE_SCHEMA: dict[str, Any] = {
    "fields": [
        *REQUESTS_SCHEMA["fields"],  # type: ignore[misc]
        {"name": "street_address", "type": "string", "public": False},
        {"name": "household_size", "type": "integer", "public": False},
    ],
    "primaryKey": ["case_id"],
}
ADDRESSES = ["12 Elm St", "34 Oak Ave", "56 Pine Rd", "78 Main St", "90 Ash Ct", "11 Birch Ln"]


def private_csv(addresses: list[str], sizes: list[int]) -> str:
    rows = list(csv.DictReader(io.StringIO(REQUESTS_CSV)))
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=[*rows[0], "street_address", "household_size"], lineterminator="\n"
    )
    writer.writeheader()
    for row, address, size in zip(rows, addresses, sizes, strict=True):
        writer.writerow({**row, "street_address": address, "household_size": size})
    return out.getvalue()


ORIGINAL = (ADDRESSES[:6] + ["12 Elm St"], [1, 2, 3, 4, 5, 6, 7])


@pytest.fixture
def private_requests(db, kansas_city, tmp_path):
    dataset = Dataset.objects.create(
        slug="requests", title="Requests", table_schema=PRIVATE_SCHEMA, is_public=True
    )
    path = tmp_path / "requests.csv"
    path.write_text(private_csv(*ORIGINAL), encoding="utf-8")
    ingest(dataset, path)
    return dataset


BY_ADDRESS = {
    "dataset": "requests",
    "date": "created_date",
    "aggregate": "count",
    "grain": "month",
}
UNSAFE_SPECS = {
    "filter": {**BY_ADDRESS, "filter": "street_address = '12 Elm St'"},
    "breakdowns": {**BY_ADDRESS, "breakdowns": ["street_address"]},
    "field": {**BY_ADDRESS, "aggregate": "sum", "field": "household_size"},
    "condition": {**BY_ADDRESS, "aggregate": "share", "condition": "household_size > 2"},
    "ratio part": {
        **BY_ADDRESS,
        "aggregate": "ratio",
        "numerator": {"aggregate": "count", "filter": "street_address in ('12 Elm St')"},
        "denominator": {"aggregate": "count"},
    },
}


def plan_document(spec: dict[str, Any], public: bool = True) -> dict[str, Any]:
    measure: dict[str, Any] = {
        "title": "By address",
        "slug": "by-address",
        "definition": "Requests.",
        "unit": "count",
        "direction": "lower",
        "frequency": "month",
        "spec": spec,
    }
    if not public:
        measure["public"] = False
    objective = {"title": "O", "measures": [measure]}
    goal = {"title": "G", "slug": "g", "objectives": [objective]}
    return {
        "title": "P",
        "slug": "p",
        "fiscal_years": [2025, 2027],
        "priority_areas": [{"title": "A", "slug": "a", "goals": [goal]}],
    }


@pytest.mark.parametrize("role", sorted(UNSAFE_SPECS))
def test_plan_import_refuses_a_public_measure_reading_a_withheld_column(private_requests, role):
    with pytest.raises(PlanDocumentError) as refused:
        load_plan(plan_document(UNSAFE_SPECS[role]), "plan.yaml")
    column = "street_address" if "street_address" in str(UNSAFE_SPECS[role]) else "household_size"
    assert REFUSED.replace("street_address", column) in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert not Plan.objects.exists()
    assert not Measure.objects.exists()


def test_plan_import_refuses_the_whole_file_when_one_measure_is_unsafe(private_requests):
    load_plan(plan_document(BY_ADDRESS), "plan.yaml")
    document = plan_document(UNSAFE_SPECS["breakdowns"])
    document["title"] = "Renamed"
    with pytest.raises(PlanDocumentError):
        load_plan(document, "plan.yaml")
    assert Plan.objects.get().title == "P"
    assert Measure.objects.get().spec == BY_ADDRESS


def test_plan_import_accepts_an_internal_measure_reading_a_withheld_column(private_requests):
    load_plan(plan_document(UNSAFE_SPECS["breakdowns"], public=False), "plan.yaml")
    assert Measure.objects.get().is_public is False


def test_a_public_ratio_of_measures_cannot_read_through_an_internal_one(private_requests):
    document = plan_document(BY_ADDRESS)
    measures = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"]
    measures[0]["slug"] = "all-requests"
    internal = {**copy.deepcopy(measures[0]), "slug": "elm-street", "public": False}
    internal["spec"] = UNSAFE_SPECS["filter"]
    ratio = {
        **copy.deepcopy(measures[0]),
        "slug": "by-address",
        "spec": {
            "aggregate": "ratio",
            "grain": "month",
            "numerator": {"measure": "elm-street"},
            "denominator": {"measure": "all-requests"},
        },
    }
    measures += [internal, ratio]
    with pytest.raises(PlanDocumentError) as refused:
        load_plan(document, "plan.yaml")
    assert REFUSED in str(refused.value)


def test_making_an_internal_measure_public_is_refused_and_changes_nothing(private_requests):
    measure = add_measure("by-address", UNSAFE_SPECS["breakdowns"], is_public=False)
    measure.is_public = True
    with pytest.raises(WithheldColumnError) as refused:
        measure.save()
    assert str(refused.value) == REFUSED
    assert Measure.objects.get(slug="by-address").is_public is False


@pytest.fixture
def admin_client(db):
    sync_roles()
    user = User.objects.create_user("ada", "ada@example.gov", "x" * 20, is_staff=True)
    grant_role(user, Role.ADMINISTRATOR)
    return signed_in(user)


def test_the_admin_refuses_to_make_it_public_and_names_the_column(private_requests, admin_client):
    measure = add_measure("by-address", UNSAFE_SPECS["breakdowns"], is_public=False)
    data = {
        "objective": measure.objective_id,
        "slug": measure.slug,
        "title": measure.title,
        "definition": measure.definition,
        "unit": measure.unit,
        "direction": measure.direction,
        "frequency": measure.frequency,
        "spec": '{"dataset": "requests", "date": "created_date", "aggregate": "count", '
        '"grain": "month", "breakdowns": ["street_address"]}',
        "is_public": "on",
        "position": 0,
    }
    response = admin_client.post(f"/admin/plan/measure/{measure.pk}/change/", data)
    assert response.status_code == 200
    assert "column &#x27;street_address&#x27; of dataset &#x27;requests&#x27; is not public" in (
        response.content.decode()
    )
    assert Measure.objects.get(pk=measure.pk).is_public is False


def test_compute_refuses_a_measure_whose_column_was_withheld_later(private_requests):
    measure = add_measure("by-address", {**BY_ADDRESS, "breakdowns": ["council_district"]})
    assert compute_measures().computed["by-address"] > 0
    schema = copy.deepcopy(PRIVATE_SCHEMA)
    for field in schema["fields"]:
        if field["name"] == "council_district":
            field["public"] = False
    Dataset.objects.filter(pk=private_requests.pk).update(table_schema=schema)

    report = compute_measures()

    assert report.failed == {"by-address": REFUSED.replace("street_address", "council_district")}
    assert report.computed == {}
    assert not MeasureValue.objects.filter(measure=measure).exists()


def test_compute_still_computes_an_internal_measure_reading_a_withheld_column(
    private_requests,
):
    add_measure("by-address", UNSAFE_SPECS["breakdowns"], is_public=False)
    report = compute_measures()
    assert report.failed == {}
    assert MeasureValue.objects.filter(breakdown="street_address").exists()
