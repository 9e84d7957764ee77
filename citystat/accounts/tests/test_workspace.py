"""The staff workspace home shows each person what needs them."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

from citystat.accounts.tests.conftest import signed_in
from citystat.accounts.tests.plan_objects import build_measures
from citystat.accounts.workspace import SECTIONS, WorkspaceItem, register_section


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


def test_bob_sees_only_his_departments_measures_without_targets(bob, departments):
    build_measures(departments)
    response = signed_in(bob).get("/staff/")
    assert b"Main breaks fixed" in response.content
    assert b"Potholes closed" not in response.content


def test_alice_sees_every_measure_without_a_target(alice, departments):
    build_measures(departments)
    response = signed_in(alice).get("/staff/")
    assert b"Main breaks fixed" in response.content
    assert b"Potholes closed" in response.content


def test_a_measure_with_this_years_target_is_not_listed(alice, departments):
    from citystat.city.models import CityProfile

    measures = build_measures(departments)
    year = CityProfile.current().fiscal_year_of(timezone.localdate())
    measures["water"].targets.create(fiscal_year=year, value=95)
    response = signed_in(alice).get("/staff/")
    assert b"Main breaks fixed" not in response.content


def add_values(measures):
    import datetime as dt

    for measure in measures.values():
        measure.values.create(
            period="2026-09",
            period_start=dt.date(2026, 9, 1),
            period_end=dt.date(2026, 9, 30),
            value=90,
        )


def test_bob_sees_narratives_due_only_for_his_department(bob, departments):
    measures = build_measures(departments)
    add_values(measures)
    content = signed_in(bob).get("/staff/").content.decode()
    section = content.split('id="section-narratives-due"')[1].split("</section>")[0]
    assert "Main breaks fixed" in section and "No narrative for 2026-09" in section
    assert "Potholes closed" not in section


def test_a_written_narrative_is_no_longer_due(bob, departments):
    measures = build_measures(departments)
    add_values(measures)
    measures["water"].narratives.create(period="2026-09", context="A dry month.")
    content = signed_in(bob).get("/staff/").content.decode()
    section = content.split('id="section-narratives-due"')[1].split("</section>")[0]
    assert "Main breaks fixed" not in section


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
