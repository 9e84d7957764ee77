"""A small city for engagement: two neighborhoods, two districts, a goal with a measure, a
meeting happening now; the cast (mona is the moderator) is the root conftest's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from citystat.city.models import CityProfile
from citystat.city.profile import load_city_file
from citystat.engagement import board
from citystat.engagement.models import Question
from citystat.meetings.models import Meeting
from citystat.meetings.tests.conftest import areas  # noqa: F401
from citystat.plan.models import Goal, Measure, Plan

FIXTURES = Path(__file__).parent / "fixtures"
# A resident's contact address: it must never reach a public page, feed, API or export.
SECRET_EMAIL = "resident.secret@example.org"


@pytest.fixture(autouse=True)
def fresh_cache(db, monkeypatch):
    """Start each test with no remembered boards or used challenges; read versions afresh.

    Test databases reuse meeting ids, so a board drawn in one test must not show in another.
    """
    monkeypatch.setattr(board, "VERSION_SECONDS", 0)
    board.forget_boards()
    cache.clear()
    yield
    board.forget_boards()
    cache.clear()


@pytest.fixture
def city(db) -> CityProfile:
    """Load the test city file: two neighborhoods, two council districts."""
    return load_city_file(FIXTURES / "city.yaml")


@pytest.fixture
def plan(areas) -> Plan:  # noqa: F811
    return areas[0].plan


@pytest.fixture
def goal(plan) -> Goal:
    area = plan.priority_areas.get(slug="infrastructure")
    return area.goals.create(slug="streets", title="Safe, well-kept streets")


@pytest.fixture
def measure(goal) -> Measure:
    objective = goal.objectives.create(title="Fix potholes quickly")
    return objective.measures.create(
        slug="potholes-fixed-in-7-days",
        title="Potholes fixed within 7 days",
        definition="Share of pothole requests closed within 7 days.",
        unit=Measure.Unit.PERCENT,
        direction=Measure.Direction.HIGHER_IS_BETTER,
        frequency=Measure.Frequency.MONTH,
    )


@pytest.fixture
def meeting(city, plan) -> Meeting:
    now = timezone.now()
    return Meeting.objects.create(
        title="KCStat: Infrastructure",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=60),
        priority_area=plan.priority_areas.first(),
        time_zone="America/Chicago",
    )


@pytest.fixture
def make_question(db):
    def make(text: str = "When will the potholes on Troost be fixed?", **fields) -> Question:
        fields.setdefault("channel", Question.Channel.FORM)
        return Question.objects.create(text=text, **fields)

    return make
