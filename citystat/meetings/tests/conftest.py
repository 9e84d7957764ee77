"""A small plan with three priority areas, a monthly series over them, and the cast."""

from __future__ import annotations

import datetime as dt

import pytest

from citystat.city.models import CityProfile
from citystat.meetings.models import MeetingSeries, RotationSlot
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, PriorityArea
from citystat.plan.testing import BuiltPlan, build_plan


@pytest.fixture
def city(db) -> CityProfile:
    return CityProfile.objects.create(
        name="Kansas City", time_zone="America/Chicago", languages=["en"], population=510_000
    )


@pytest.fixture
def areas(db) -> list[PriorityArea]:
    built = build_plan(slug="cbp")
    titles = ["Infrastructure", "Public Safety", "Healthy Communities"]
    return [
        built.area(title.lower().replace(" ", "-"), title, position=i)
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


def last_month() -> tuple[str, dt.date, dt.date]:
    first_this = dt.date.today().replace(day=1)
    end = first_this - dt.timedelta(days=1)
    start = end.replace(day=1)
    return f"{start:%Y-%m}", start, end


def add_measure(objective, slug: str, value: float, department=None, **fields) -> Measure:
    """A monthly percent measure with target 90 ± 5 and last month's value `value`."""
    period, _start, _end = last_month()
    return BuiltPlan(objective.goal.priority_area.plan).measure(
        objective,
        slug,
        definition=f"Share of {slug} on time.",
        department=department,
        targets={2000: (90, 5)},
        values={period: value},
        value_origin=MeasureValue.Origin.COMPUTED,
        **fields,
    )


@pytest.fixture
def plan_measures(db, city, areas, departments) -> dict[str, Measure]:  # noqa: F811
    """Infrastructure: a goal on track, then a goal with one measure off track and one
    needing attention; plus an internal measure."""
    infrastructure = areas[0]
    roads = Goal.objects.create(
        priority_area=infrastructure, slug="roads", title="Good roads", position=1
    )
    water = Goal.objects.create(
        priority_area=infrastructure, slug="water", title="Clean water", position=2
    )
    roads_objective = Objective.objects.create(goal=roads, title="Fix potholes fast")
    water_objective = Objective.objects.create(goal=water, title="Fix main breaks fast")
    works, water_services = departments["public-works"], departments["water"]
    return {
        "potholes": add_measure(
            roads_objective, "potholes-on-time", 96.0, works, title="Potholes filled on time"
        ),
        "breaks": add_measure(
            water_objective,
            "main-breaks-fixed",
            84.0,
            water_services,
            title="Main breaks fixed in a day",
            position=1,
        ),
        "leaks": add_measure(
            water_objective,
            "leaks-fixed",
            61.5,
            water_services,
            title="Leaks fixed in a week",
            position=2,
        ),
        "internal": add_measure(
            water_objective,
            "crew-overtime",
            50.0,
            water_services,
            title="Crew overtime",
            is_public=False,
            position=3,
        ),
    }
