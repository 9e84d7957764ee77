"""A city whose fiscal year starts 1 October: the page, the briefing and the export agree.

Each expected label is worked out here by hand from the month and day the city file names,
not through FiscalCalendar, so a calendar read from the wrong place (a default July start,
or a calendar year) shows as a wrong year, target or date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from citystat.city.models import CityProfile
from citystat.meetings.agenda import draft_agenda
from citystat.meetings.briefing import briefing_book, render_briefing_html
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure
from citystat.plan.testing import build_plan
from citystat.reports.tests.test_exports import workbook

START_MONTH, START_DAY = 10, 1
AS_OF = dt.date(2026, 9, 15)  # the plan's day: August 2026 is its last complete month
# Targets by the fiscal year they are for: August 2026 is in FY2026 when years start in
# October, in FY2027 when they start in July, and in 2026 as a calendar year.
TARGETS = {2025: 40.0, 2026: 50.0, 2027: 80.0}


def fiscal_year_by_hand(day: dt.date) -> int:
    """The fiscal year is named by the calendar year it ends in."""
    return day.year + 1 if (day.month, day.day) >= (START_MONTH, START_DAY) else day.year


@pytest.fixture
def october_city(db) -> Measure:
    CityProfile.objects.create(
        name="Oakport",
        fiscal_year_start_month=START_MONTH,
        fiscal_year_start_day=START_DAY,
        languages=["en"],
    )
    built = build_plan(
        slug="oakport",
        title="Oakport Plan",
        first_fiscal_year=2025,
        last_fiscal_year=2028,
        as_of=AS_OF,
    )
    built.area("streets", "Streets", position=1)
    built.goal("streets", "smooth", "Smooth streets")
    built.objective("smooth", "Fill potholes")
    # Monthly labels name the same days whatever the calendar: the fiscal years this file
    # checks are still worked out by hand.
    measure = built.measure(
        "Fill potholes",
        "potholes-filled",
        title="Potholes filled",
        definition="Share filled in two days.",
        targets=TARGETS,
        values={f"2026-{month:02d}": 60.0 for month in (6, 7, 8)},
    )
    return measure


def test_the_profile_gives_the_calendar_the_city_file_names(october_city):
    calendar = CityProfile.current().fiscal_calendar
    for day in [dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2027, 1, 15)]:
        assert calendar.fiscal_year_of(day) == fiscal_year_by_hand(day)
    assert calendar.fiscal_year_bounds(2026) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_the_measure_page_names_the_target_of_the_october_fiscal_year(october_city):
    year = fiscal_year_by_hand(dt.date(2026, 8, 31))
    assert year == 2026
    page = Client().get(f"/measures/{october_city.slug}/").content.decode()
    assert f"The FY{year} target is {TARGETS[year]:.1f}%" in page
    assert "The FY2027 target" not in page


def test_the_briefing_judges_against_the_october_fiscal_year_s_target(october_city):
    starts = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        title="Streets stat",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        priority_area=october_city.objective.goal.priority_area,
    )
    draft_agenda(meeting)
    book = briefing_book(meeting, charts=False)
    [item] = [m for _goal, items in book.goals for m in items if m.measure.pk == october_city.pk]
    year = fiscal_year_by_hand(dt.date(2026, 8, 31))
    assert item.judged.target is not None and item.judged.target.fiscal_year == year
    assert item.target_text == f"{TARGETS[year]:.1f}%"
    html = render_briefing_html(book)
    assert "60.0% (August 2026)" in html


def test_the_export_covers_the_october_fiscal_year(october_city):
    year = fiscal_year_by_hand(AS_OF)
    book = workbook(Client().get(f"/exports/plan/oakport.xlsx?period=FY{year}").content)
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    first = dt.date(year - 1, START_MONTH, START_DAY)
    last = dt.date(year, START_MONTH, START_DAY) - dt.timedelta(days=1)
    cover = f"FY{year} ({first.day} {first:%B %Y} to {last.day} {last:%B %Y})"
    assert any(cover in cell for cell in cells), cells[:5]
