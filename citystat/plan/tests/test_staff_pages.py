"""Staff pages for measures: values, narratives and targets, behind roles and departments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import signed_in_person as person
from citystat.city.models import Department
from citystat.plan.models import MeasureValue, Narrative, Target
from citystat.plan.tests.test_compute_values import make_measure

pytestmark = pytest.mark.usefixtures("requests")


@pytest.fixture
def fire(db):
    return Department.objects.create(code="fire", name="Fire")


@pytest.fixture
def ambulance(fire):
    measure = make_measure({"aggregate": "count", "grain": "month"}, slug="ambulance")
    measure.spec, measure.department, measure.data_source = {}, fire, "Dispatch records"
    measure.save()
    Target.objects.create(measure=measure, fiscal_year=2025, value=90, tolerance=2)
    return measure


@pytest.fixture
def cast(db, fire):
    sync_roles()
    water = Department.objects.create(code="water", name="Water Services")
    return {
        "alice": person("alice", Role.PERFORMANCE_STAFF),
        "fiona": person("fiona", Role.DEPARTMENT_EDITOR, [fire]),
        "bob": person("bob", Role.DEPARTMENT_EDITOR, [water]),
    }


def test_the_measure_page_shows_status_and_forms(cast, ambulance):
    page = cast["alice"].get("/staff/measures/ambulance/")
    assert page.status_code == 200
    assert b"Enter a value" in page.content
    # A target is saved from its preview (test_target_form.py).
    assert b"Preview the effect on status" in page.content


def test_department_staff_enter_values_for_their_own_measures(cast, ambulance):
    data = {"period": "2025-03", "value": "88", "source_note": "dispatch log"}
    cast["fiona"].post("/staff/measures/ambulance/values/", data)
    assert MeasureValue.objects.get(measure=ambulance).value == 88


def test_department_staff_of_another_department_are_refused(cast, ambulance):
    data = {"period": "2025-03", "value": "88", "source_note": "dispatch log"}
    response = cast["bob"].post("/staff/measures/ambulance/values/", data)
    assert response.status_code == 403 and not MeasureValue.objects.exists()


def test_values_upload_as_csv(cast, ambulance):
    upload = SimpleUploadedFile(
        "v.csv", b"period,value,source_note\n2025-01,90,log\n2025-02,91,log\n"
    )
    cast["fiona"].post("/staff/measures/ambulance/values/", {"file": upload})
    assert MeasureValue.objects.filter(measure=ambulance).count() == 2


def test_narratives_are_written_per_period(cast, ambulance):
    data = {
        "period": "2025-03",
        "context": "Two units were out of service.",
        "actions": "",
        "next_steps": "",
    }
    cast["fiona"].post("/staff/measures/ambulance/narrative/", data)
    assert Narrative.objects.get(measure=ambulance).context.startswith("Two units")


def test_only_the_performance_office_moves_targets_and_always_with_a_reason(cast, ambulance):
    data = {
        "fiscal_year": "2025",
        "value": "85",
        "style": "proximity",
        "tolerance": "2",
        "reason": "",
    }
    assert cast["fiona"].post("/staff/measures/ambulance/targets/", data).status_code == 403
    cast["alice"].post("/staff/measures/ambulance/targets/", data)
    assert Target.objects.get(measure=ambulance).value == 90  # no reason: refused
    cast["alice"].post(
        "/staff/measures/ambulance/targets/", {**data, "reason": "New fleet delayed"}
    )
    assert Target.objects.get(measure=ambulance).value == 85
    assert Target.history.first().history_change_reason == "New fleet delayed"


@pytest.mark.parametrize("period", ["zzzz-not-a-period", "FY2025", "2025-13"])
def test_a_narrative_for_a_period_the_measure_does_not_have_is_refused(cast, ambulance, period):
    data = {"period": period, "context": "Made up.", "actions": "", "next_steps": ""}
    response = cast["fiona"].post("/staff/measures/ambulance/narrative/", data, follow=True)
    body = response.content.decode()
    assert (
        f"measure &#x27;ambulance&#x27;: the narrative&#x27;s period &#x27;{period}&#x27; is not "
        "a month such as 2026-10"
    ) in body
    assert not Narrative.objects.exists()
