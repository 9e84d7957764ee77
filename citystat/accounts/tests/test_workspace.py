"""The staff workspace home shows each person what needs them."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.apps import apps
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.accounts.workspace import SECTIONS, WorkspaceItem, register_section
from citystat.city.models import CityProfile


def failed_load(departments):
    Dataset = apps.get_model("catalog", "Dataset")
    dataset = Dataset.objects.create(
        slug="service-requests", title="311 service requests", department=departments["water"]
    )
    now = timezone.now()
    dataset.versions.create(
        number=1,
        status="failed",
        source="requests.csv",
        report={"message": "column created_at is missing"},
        started_at=now - dt.timedelta(minutes=1),
        finished_at=now,
    )
    return dataset


def test_a_data_steward_sees_failed_loads_with_the_reason(cast, departments):
    failed_load(departments)
    response = signed_in(cast["sam"]).get("/staff/")
    assert b"311 service requests" in response.content
    assert b"column created_at is missing" in response.content


def test_a_moderator_does_not_see_dataset_sections(cast, departments):
    failed_load(departments)
    response = signed_in(cast["mona"]).get("/staff/")
    assert b"Datasets with no data" not in response.content


def test_bob_sees_only_his_departments_measures_without_targets(bob, departments, scoped_measures):
    response = signed_in(bob).get("/staff/")
    assert b"Main breaks fixed" in response.content
    assert b"Potholes closed" not in response.content


def test_alice_sees_every_measure_without_a_target(alice, departments, scoped_measures):
    response = signed_in(alice).get("/staff/")
    assert b"Main breaks fixed" in response.content
    assert b"Potholes closed" in response.content


def test_a_measure_with_this_years_target_is_not_listed(alice, departments, scoped_measures):
    measures = scoped_measures
    year = CityProfile.current().fiscal_year_of(timezone.localdate())
    measures["water"].targets.create(fiscal_year=year, value=95)
    response = signed_in(alice).get("/staff/")
    assert b"Main breaks fixed" not in response.content


def reporting_section(user) -> str:
    content = signed_in(user).get("/staff/").content.decode()
    return content.split('id="section-narratives-due"')[1].split("</section>")[0]


@time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=dt.UTC))
def test_bob_sees_narratives_due_only_for_his_department(bob, departments, scoped_measures):
    section = reporting_section(bob)
    # September is the latest complete month; a monthly narrative is due 15 days after.
    # The test measures' values are entered by staff, so the value is owed too.
    assert "Main breaks fixed" in section
    assert "The narrative and value for 2026-09 are due 15 Oct 2026" in section
    assert "Potholes closed" not in section


@time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=dt.UTC))
def test_a_written_narrative_is_no_longer_due(bob, departments, scoped_measures):
    measures = scoped_measures
    measures["water"].narratives.create(period="2026-09", context="A dry month.")
    assert "The value for 2026-09 is due 15 Oct 2026" in reporting_section(bob)
    measures["water"].values.create(
        period="2026-09",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
        value=97,
        origin="entered",
    )
    assert "Main breaks fixed" not in reporting_section(bob)


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC))
def test_a_missing_narrative_turns_overdue_and_a_returned_one_shows_its_comments(
    bob, departments, scoped_measures
):
    measures = scoped_measures
    section = reporting_section(bob)
    assert "Overdue: The narrative and value for 2026-09 were due 15 Oct 2026" in section
    measures["water"].narratives.create(
        period="2026-09",
        context="A dry month.",
        state="returned",
        review_comment="Say how many breaks were repaired.",
    )
    section = reporting_section(bob)
    assert "Returned with comments: Narrative for 2026-09 returned: Say how many" in section


def test_staff_without_two_factor_are_asked_to_turn_it_on(alice):
    assert b"Turn on two-factor sign-in" in signed_in(alice).get("/staff/").content


def test_an_app_plugs_in_a_section(alice):
    register_section(
        "test-questions",
        "Questions waiting",
        items=lambda user: [WorkspaceItem("Why is my street not plowed?")],
        permission="plan.view_measure",
    )
    try:
        response = signed_in(alice).get("/staff/")
    finally:
        del SECTIONS["test-questions"]
    assert b"Questions waiting" in response.content
    assert b"Why is my street not plowed?" in response.content


def test_carol_has_no_workspace(carol):
    assert signed_in(carol).get("/staff/").status_code == 403
