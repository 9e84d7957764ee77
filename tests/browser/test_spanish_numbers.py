"""A Spanish reader sees Spanish separators, units and labels on a measure page and on a
meeting's agenda, at desktop and phone width (#20: "10.0 days", "On track" and mixed
decimal separators on Spanish pages), and a partial period is shown, never judged."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pytest
from django.utils import timezone

from citystat.city.models import CityProfile
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.models import Meeting
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, Plan, Target

pytestmark = pytest.mark.browser
NBSP = "\u00a0"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
ENGLISH_STATUSES = ["On track", "Off track", "Needs attention"]


@pytest.fixture
def city(transactional_db) -> Meeting:
    CityProfile.objects.create(name="Testville", languages=["en", "es"])
    plan = Plan.objects.create(
        title="Plan", slug="plan", first_fiscal_year=2025, last_fiscal_year=2029, is_current=True
    )
    area = plan.priority_areas.create(slug="infrastructure", title="Infrastructure", position=1)
    goal = Goal.objects.create(priority_area=area, slug="roads", title="Good roads")
    objective = Objective.objects.create(goal=goal, title="Fix potholes fast")
    measure = Measure.objects.create(
        objective=objective, slug="days-to-fix", title="Days to fix a pothole",
        definition="Median days from report to repair.", unit="days",
        direction="lower", frequency="month",
    )  # fmt: skip
    Target.objects.create(measure=measure, fiscal_year=2000, value=1300, tolerance=2)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    end = this_month - dt.timedelta(days=1)
    MeasureValue.objects.create(
        measure=measure, period=f"{end:%Y-%m}", period_start=end.replace(day=1), period_end=end,
        value=1234.56,
    )  # fmt: skip
    # The month still running: one day of data would be "on track" by far, if it were judged.
    last_day = this_month.replace(day=calendar.monthrange(today.year, today.month)[1])
    MeasureValue.objects.create(
        measure=measure, period=f"{today:%Y-%m}", period_start=this_month, period_end=last_day,
        value=2.5, is_partial=True,
    )  # fmt: skip
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="Stat", priority_area=area, starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=1),
    )  # fmt: skip
    draft_agenda(meeting)
    publish_agenda(meeting)
    return meeting


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_spanish_measure_page_and_agenda_read_in_spanish(city, live_server, browser, width):
    context = browser.new_context(viewport=VIEWPORTS[width])
    context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/measures/days-to-fix/")
        assert page.locator("html").get_attribute("lang") == "es"
        headline = page.locator(".measure-headline").inner_text()
        assert "1.234,6 días" in headline, headline
        assert "Bien encaminado" in page.locator("main").inner_text()
        # The targets table: target and tolerance in the value's precision and unit.
        targets = page.locator("#targets-title ~ table").first.inner_text()
        assert "1.300,0 días" in targets and f"±{NBSP}2,0 días" in targets, targets
        # The table of values: the running month is partial, with how far in it is, and
        # it is neither the value shown at the top nor judged.
        page.locator("#values-table").evaluate("t => t.closest('details').open = true")
        table = page.locator("#values-table").inner_text()
        today = timezone.localdate()
        days = calendar.monthrange(today.year, today.month)[1]
        assert f"parcial: {today.day} de {days} días transcurridos" in table, table
        assert "2,5 días" in table and "2,5 días" not in headline
        body = page.locator("main").inner_text()
        assert "1,234.6" not in body, [line for line in body.splitlines() if "1,234.6" in line]
        assert not re.search(r"\d days", body)
        assert not [word for word in ENGLISH_STATUSES if word in body]

        page.goto(f"{live_server.url}/meetings/{city.pk}/")
        agenda = page.locator("ol.agenda").inner_text()
        assert "Days to fix a pothole" in agenda
        assert "Bien encaminado" in agenda, agenda
        assert not [word for word in ENGLISH_STATUSES if word in agenda], agenda
        # Nothing is wider than the screen at phone width.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_the_english_reader_gets_english_numbers(city, live_server, page):
    page.goto(live_server.url + "/measures/days-to-fix/")
    headline = page.locator(".measure-headline").inner_text()
    assert "1,234.6 days" in headline, headline
    page.goto(f"{live_server.url}/meetings/{city.pk}/")
    assert "On track" in page.locator("ol.agenda").inner_text()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_how_we_measure_writes_its_examples_as_a_percent_measure_reads(
    city, live_server, browser, width
):
    # #20: the page wrote "93%" and "target 90%" by hand, beside measures reading "61,6 %".
    context = browser.new_context(viewport=VIEWPORTS[width])
    context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/how-we-measure/")
        examples = page.locator("#proximity-examples").inner_text()
        assert f"93,0{NBSP}%" in examples and "93%" not in examples, examples
        caption = page.locator("#proximity-examples caption").inner_text()
        assert f"90,0{NBSP}%" in caption and "5,0 puntos porcentuales" in caption, caption
        bands = page.locator("#band-examples").inner_text()
        assert f"75,0{NBSP}%" in bands, bands
        body = page.locator("main").inner_text()
        assert "1,5 o más" in body
        assert not re.search(r"\d%", body), [line for line in body.splitlines() if "%" in line]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
