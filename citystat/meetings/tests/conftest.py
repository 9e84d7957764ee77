"""A small plan with three priority areas, a monthly series over them, and the cast."""

from __future__ import annotations

import datetime as dt

import pytest

from citystat.accounts.tests.conftest import alice, bob, carol, cast, dana, departments  # noqa: F401
from citystat.city.models import CityProfile
from citystat.meetings.models import MeetingSeries, RotationSlot
from citystat.plan.models import Plan, PriorityArea


@pytest.fixture
def city(db) -> CityProfile:
    return CityProfile.objects.create(
        name="Kansas City", time_zone="America/Chicago", languages=["en"], population=510_000
    )


@pytest.fixture
def areas(db) -> list[PriorityArea]:
    plan = Plan.objects.create(
        title="Citywide Business Plan",
        slug="cbp",
        first_fiscal_year=2025,
        last_fiscal_year=2029,
        is_current=True,
    )
    titles = ["Infrastructure", "Public Safety", "Healthy Communities"]
    return [
        plan.priority_areas.create(slug=title.lower().replace(" ", "-"), title=title, position=i)
        for i, title in enumerate(titles, start=1)
    ]


@pytest.fixture
def series(db, city, areas) -> MeetingSeries:
    series = MeetingSeries.objects.create(
        slug="kcstat",
        title="KCStat",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=dt.date(2026, 1, 1),
        start_time=dt.time(9, 0),
        duration_minutes=90,
        time_zone="America/Chicago",
        location="City Hall, 26th floor",
        livestream_url="https://www.youtube.com/watch?v=abcDEF12345",
    )
    for position, area in enumerate(areas):
        RotationSlot.objects.create(series=series, priority_area=area, position=position)
    return series
