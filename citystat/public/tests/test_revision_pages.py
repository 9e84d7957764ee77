"""Every kind of plan change makes the next read of a cached public page fresh (#22, item 2).

The pages are cached under the plan's revision (plan/revision.py): each test reads a page
once (so it is cached), changes one thing the page shows, and reads it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.core.cache import cache

from citystat.plan import revision
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Narrative,
    Objective,
    Strategy,
    Target,
)
from citystat.public.tests.measure_city import build_measure_city

MEASURE = "/measures/potholes-closed/"


@pytest.fixture
def city(db):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        yield build_measure_city()


def page(client, url: str = MEASURE) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def measure() -> Measure:
    return Measure.objects.get(slug="potholes-closed")


def change_value() -> tuple[str, str]:
    value = MeasureValue.objects.get(measure=measure(), period="2026-10", breakdown="")
    value.value = 88.0
    value.save()
    return "85.0% <span", "88.0% <span"


def change_target() -> tuple[str, str]:
    target = Target.objects.get(measure=measure(), fiscal_year=2027)
    target.value = 97
    target._change_reason = "the council added crews"  # type: ignore[attr-defined]
    target.save()
    return "", "because the council added crews"


def change_narrative() -> tuple[str, str]:
    narrative = Narrative.objects.get(measure=measure())
    narrative.context = "A dry November let crews catch up."
    narrative.save()  # new words go back to draft …
    narrative.state = Narrative.State.APPROVED
    narrative.save()  # … until a reviewer approves them
    return "A wet October opened more potholes", "A dry November let crews catch up."


def change_strategy() -> tuple[str, str]:
    strategy = Strategy.objects.get(title="Weekend pothole blitz")
    strategy.title = "Night pothole blitz"
    strategy.save()
    return "Weekend pothole blitz", "Night pothole blitz"


def unlink_strategy() -> tuple[str, str]:
    # A many-to-many change writes no history row and saves no strategy.
    Strategy.objects.get(title="Weekend pothole blitz").measures.clear()
    return "Weekend pothole blitz", ""


def change_history() -> tuple[str, str]:
    # Staff correct the reason kept with a target change: only its history row is saved.
    row = Target.history.filter(fiscal_year=2027, history_type="~").get()  # type: ignore[attr-defined]
    row.history_change_reason = "the pothole crews lost a truck"
    row.save()
    return "because the crew budget was cut", "because the pothole crews lost a truck"


def change_goal_title() -> tuple[str, str]:
    goal = Goal.objects.get(slug="streets")
    goal.title = "Smooth streets"
    goal.save()
    return "Keep streets in good repair", "Smooth streets"


CHANGES: dict[str, Callable[[], tuple[str, str]]] = {
    "value": change_value,
    "target": change_target,
    "narrative": change_narrative,
    "strategy": change_strategy,
    "strategy's measures": unlink_strategy,
    "history": change_history,
    "goal (breadcrumb)": change_goal_title,
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_makes_the_next_measure_page_fresh(client, city, kind):
    first = page(client)
    before, after = CHANGES[kind]()  # text the change takes away, and text it adds
    second = page(client)
    if before:
        assert before in first and before not in second, kind
    if after:
        assert after not in first and after in second, kind


def test_the_goal_and_home_pages_follow_a_value_change_too(client, city):
    goal_before = page(client, "/goals/streets/")
    home_before = page(client, "/")
    value = MeasureValue.objects.get(measure=measure(), period="2026-10", breakdown="")
    value.value = 99.0
    value.save()
    assert "99.0%" not in goal_before and "99.0%" in page(client, "/goals/streets/")
    assert "99.0%" not in home_before and "99.0%" in page(client, "/")


def test_a_measure_deleted_and_made_again_under_its_slug_is_read_anew(client, city):
    assert "Potholes closed within 7 days" in page(client)
    old = measure()
    objective: Objective = old.objective
    old.delete()
    assert client.get(MEASURE).status_code == 404
    Measure.objects.create(
        objective=objective,
        slug="potholes-closed",
        title="Potholes patched the same week",
        is_public=True,
    )
    again = page(client)
    assert "Potholes patched the same week" in again
    assert "Potholes closed within 7 days" not in again


def test_a_page_read_costs_one_read_of_the_revision(client, city, monkeypatch):
    page(client, "/")  # cached
    reads: list[str] = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(cache, name)

        def get(self, key: str, default: object = None) -> object:
            reads.append(key)
            return cache.get(key, default)

        def get_many(self, keys: list[str]) -> dict[str, object]:
            reads.extend(keys)
            return cache.get_many(keys)

    monkeypatch.setattr(revision, "cache", Counting())
    page(client, "/")
    page(client, "/goals/streets/")
    # The home page alone builds three cached parts (plan, meetings, updates) or more.
    assert reads.count(revision.KEY) == 2


def test_a_new_day_makes_the_pages_new_too(client, city):
    # Statuses depend on the day: a value grows stale with no change to any row.
    key = revision.cache_key("measure:x")
    with time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)):
        assert revision.cache_key("measure:x") != key
