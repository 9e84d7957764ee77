"""Bulk work on the staff measure list: one change to many measures with one reason, all
or nothing, within the person's departments; values of many measures from one CSV."""

from __future__ import annotations

import copy
import io
from typing import Any

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import signed_in_person as person
from citystat.city.models import Department
from citystat.plan.documents import export_plan, load_plan
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.usefixtures("requests", "public_works")

BULK = "/staff/bulk/measures/"
UPLOAD = "/staff/bulk/values/"


@pytest.fixture
def plan(db):
    sync_roles()
    return load_plan(copy.deepcopy(PLAN), "tiny.yaml")


@pytest.fixture
def alice(plan) -> Client:
    return person("alice", Role.PERFORMANCE_STAFF)


@pytest.fixture
def water(db) -> Department:
    return Department.objects.create(code="water", name="Water Services")


@pytest.fixture
def bob(plan, water) -> Client:
    """A Water Services editor; main-breaks is Water Services', potholes Public Works'."""
    Measure.objects.filter(slug="main-breaks").update(department=water)
    return person("bob", Role.DEPARTMENT_EDITOR, [water])


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Measure.objects.order_by("slug").values_list(
            "slug", "owner_name", "department__name", "frequency", "is_public"
        )
    )


def test_one_change_to_many_measures_with_one_reason_in_the_history(alice):
    response = alice.post(
        BULK,
        {
            "measures": ["potholes-7-days", "main-breaks"],
            "field": "owner",
            "owner": "Director of Public Works",
            "reason": "Reorganisation of July",
        },
    )
    assert response.status_code == 302
    assert dict(Measure.objects.values_list("slug", "owner_name")) == {
        "potholes-7-days": "Director of Public Works",
        "main-breaks": "Director of Public Works",
    }
    for slug in ("potholes-7-days", "main-breaks"):
        row = Measure.history.filter(slug=slug).order_by("-history_id").first()
        assert (row.history_user.username, row.history_change_reason) == (
            "alice",
            "Reorganisation of July",
        )
    # The plan file says what the page did: an export shows it and re-imports unchanged.
    document = export_plan(Plan.objects.get())
    measures = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"]
    assert {m["slug"]: m["owner"] for m in measures} == {
        "potholes-7-days": "Director of Public Works",
        "main-breaks": "Director of Public Works",
    }


def test_the_public_flag_department_and_frequency_change_too(alice, water):
    selected = ["potholes-7-days", "main-breaks"]
    for field, value in [("public", "no"), ("department", "Water Services")]:
        response = alice.post(
            BULK, {"measures": selected, "field": field, field: value, "reason": "Audit"}
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    alice.post(
        BULK,
        {"measures": ["main-breaks"], "field": "frequency", "frequency": "year", "reason": "x"},
    )
    assert snapshot() == [
        ("main-breaks", "", "Water Services", "year", False),
        ("potholes-7-days", "Street Maintenance Manager", "Water Services", "month", False),
    ]


def test_without_a_reason_nothing_changes_and_the_selection_is_kept(alice):
    before = snapshot()
    response = alice.post(
        BULK, {"measures": ["main-breaks"], "field": "owner", "owner": "Someone", "reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why: the reason is kept in each measure&#x27;s history." in page
    assert 'value="main-breaks" id="select-main-breaks" checked' in page
    assert snapshot() == before


def test_a_mixed_selection_is_refused_naming_the_measures_and_nothing_changes(bob):
    before = snapshot()
    response = bob.post(
        BULK,
        {
            "measures": ["main-breaks", "potholes-7-days"],
            "field": "owner",
            "owner": "Bob",
            "reason": "Our new manager",
        },
    )
    assert response.status_code == 400
    assert "You may not change Potholes closed within 7 days (Public Works)" in (
        response.content.decode()
    )
    assert snapshot() == before


def test_a_department_editor_changes_their_own_measures(bob):
    response = bob.post(
        BULK, {"measures": ["main-breaks"], "field": "owner", "owner": "Bob", "reason": "New"}
    )
    assert response.status_code == 302
    assert Measure.objects.get(slug="main-breaks").owner_name == "Bob"


def test_a_department_editor_cannot_give_measures_away(bob):
    before = snapshot()
    for department in ("Public Works", ""):
        response = bob.post(
            BULK,
            {
                "measures": ["main-breaks"],
                "field": "department",
                "department": department,
                "reason": "Moving",
            },
        )
        assert response.status_code == 400
        assert "you do not work for it" in response.content.decode()
    assert snapshot() == before


def test_what_the_plan_checks_refuse_changes_no_measure(alice):
    MeasureValue.objects.create(
        measure=Measure.objects.get(slug="main-breaks"),
        period="2025-Q1",
        period_start="2024-05-01",
        period_end="2024-07-31",
        value=3,
        origin=MeasureValue.Origin.ENTERED,
        source_note="Log",
    )
    before = snapshot()
    response = alice.post(
        BULK,
        {
            "measures": ["potholes-7-days", "main-breaks"],
            "field": "frequency",
            "frequency": "year",
            "reason": "Yearly now",
        },
    )
    assert response.status_code == 400
    assert "main-breaks.values" in response.content.decode()
    assert snapshot() == before


def test_the_measure_list_offers_the_checkboxes_and_the_change_form(alice):
    page = alice.get("/staff/measures/").content.decode()
    assert 'data-select-all="measures"' in page
    assert 'name="measures" value="potholes-7-days"' in page
    assert "Apply to the selected measures" in page


# Values of many measures from one CSV ------------------------------------------------

GOOD = """measure,period,value,source_note
main-breaks,2025-Q1,3,Utility log
main-breaks,2025-Q2,"1,204",Utility log
"""


def upload(client: Client, text: str | bytes, note: str = ""):
    content = text.encode() if isinstance(text, str) else text
    file = SimpleUploadedFile("values.csv", content, content_type="text/csv")
    return client.post(UPLOAD, {"file": file, "source_note": note})


def test_an_upload_saves_every_value_and_shows_them(alice):
    response = upload(alice, GOOD)
    assert response.status_code == 200
    expected = pd.read_csv(io.StringIO(GOOD), thousands=",")
    saved = pd.DataFrame(
        MeasureValue.objects.order_by("period").values("period", "value", "source_note")
    )
    assert saved.period.tolist() == expected.period.tolist()
    assert saved.value.tolist() == expected.value.astype(float).tolist()
    page = response.content.decode()
    assert "Saved 2 values" in page and "1,204" in page  # written as the measure's unit reads


def test_an_upload_with_a_bad_line_names_it_and_saves_nothing(alice):
    bad = GOOD + "main-breaks,2025-07,5,Utility log\npotholes-7-days,2025-Q3,4,Log\n"
    response = upload(alice, bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was saved" in page
    assert "line 4 (main-breaks): main-breaks is reported by quarter" in page
    assert "line 5 (potholes-7-days): potholes-7-days is computed from its dataset" in page
    assert not MeasureValue.objects.filter(origin=MeasureValue.Origin.ENTERED).exists()


def test_a_department_editor_uploads_only_their_measures_values(bob, water):
    Measure.objects.filter(slug="potholes-7-days").update(spec={})
    text = GOOD + "potholes-7-days,2025-01,60,Count\n"
    response = upload(bob, text)
    assert response.status_code == 400
    assert "line 4: potholes-7-days belongs to a department you do not work for" in (
        response.content.decode()
    )
    assert not MeasureValue.objects.exists()
    assert upload(bob, GOOD).status_code == 200
    assert MeasureValue.objects.count() == 2


def test_an_upload_that_is_not_utf8_is_refused(alice):
    response = upload(
        alice, "measure,period,value\nmain-breaks,2025-Q1,3,Caf\xe9\n".encode("latin-1")
    )
    assert response.status_code == 400
    assert "values.csv is not UTF-8 text." in response.content.decode()
    assert not MeasureValue.objects.exists()
