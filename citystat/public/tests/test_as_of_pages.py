"""A measure whose data ends in the past: every page, the REST API and the agenda judge it
on its latest complete period and say "as of …"; "no recent data" only when its dataset
is overdue for its refresh."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from citystat.catalog.models import Dataset
from citystat.meetings.agenda import draft_agenda
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure
from citystat.plan.templatetags.plan_display import measure_status
from citystat.public.tests.measure_city import build_measure_city

MEASURE = "/measures/potholes-closed/"
# The latest complete value is October 2026 (85%); by mid-August 2027 it is ten months
# old. Against the FY2027 target of 90 ± 3 (fiscal years start in July), 85 is 5 short:
# within twice the tolerance, so it needs attention.
LATER = "2027-08-15 12:00 +00:00"


@pytest.fixture
def historic_city(db, monkeypatch):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=False):
        plan = build_measure_city()
    with time_machine.travel(LATER, tick=True):
        yield plan


def body(client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_every_page_judges_historic_data_on_its_latest_period_and_says_so(client, historic_city):
    measure_page = body(client, MEASURE)
    assert '<span class="status status-needs-attention">Needs attention</span>' in measure_page
    assert '<span class="status-as-of">as of October 2026</span>' in measure_page
    assert "The latest value, 85.0% for October 2026, is therefore “Needs attention”." in (
        measure_page
    )
    assert "The status is as of October 2026: the latest complete period" in measure_page
    goal_page = body(client, "/goals/streets/")
    assert '<span class="status-as-of">as of October 2026</span>' in goal_page
    assert "Needs attention" in goal_page
    home = body(client, "/")
    assert '<span class="status-as-of">as of October 2026</span>' in home
    status = client.get("/api/v1/measures/potholes-closed/").json()["status"]
    assert status == {
        "status": "needs_attention",
        "period": "2026-10",
        "value": 85.0,
        "target": 90.0,
        "as_of": "2026-10",
    }
    area = historic_city.priority_areas.get(slug="infrastructure")
    starts = dt.datetime(2027, 8, 20, 17, tzinfo=dt.UTC)
    meeting = Meeting.objects.create(
        title="Stat", starts_at=starts, ends_at=starts + dt.timedelta(hours=2), priority_area=area
    )
    items = {item.title: item for item in draft_agenda(meeting)}
    shown = measure_status(items["Potholes closed within 7 days"].measure)
    assert shown == "Needs attention, as of October 2026"


def test_the_measure_page_says_as_of_in_spanish(client, historic_city):
    spanish = body(client, MEASURE, HTTP_ACCEPT_LANGUAGE="es")
    assert '<span class="status-as-of">según datos de octubre de 2026</span>' in spanish


def test_a_dataset_overdue_for_its_refresh_shows_no_recent_data_everywhere(client, historic_city):
    body(client, MEASURE)  # cached; the dataset's new schedule must show at once
    dataset = Dataset.objects.get(slug="requests")
    dataset.update_frequency = "monthly"
    dataset.save()
    measure_page = body(client, MEASURE)
    assert "No recent data" in measure_page
    assert "status-as-of" not in measure_page
    assert "the dataset it comes from is overdue for its scheduled update" in measure_page
    status = client.get("/api/v1/measures/potholes-closed/").json()["status"]
    assert (status["status"], status["as_of"]) == ("no_recent_data", None)


def test_a_current_measure_says_no_as_of(client, db, monkeypatch):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        build_measure_city()
        assert "status-as-of" not in body(client, MEASURE)
        status = client.get("/api/v1/measures/potholes-closed/").json()["status"]
        assert (status["status"], status["as_of"]) == ("needs_attention", None)


def test_a_plan_as_of_a_day_judges_the_period_ending_by_it(client, historic_city):
    # September 2026 was the 21st month from January 2025: 70 + 20 = 90%, on the FY2027
    # target of 90, so on track (October's 85% ends after the plan's day).
    body(client, MEASURE)  # cached; the plan's change must show at once all the same
    historic_city.as_of = dt.date(2026, 9, 30)
    historic_city.save()
    september = Measure.objects.get(slug="potholes-closed").values.get(
        period="2026-09", breakdown=""
    )
    assert september.value == 70 + 20
    measure_page = body(client, MEASURE)
    assert '<span class="status status-on-track">On track</span>' in measure_page
    assert '<span class="status-as-of">as of September 2026</span>' in measure_page
