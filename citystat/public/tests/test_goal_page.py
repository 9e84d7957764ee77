"""The goal page tells the goal's story: strategies with progress, objectives with measures."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.core.cache import cache

from citystat.city.models import Department
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, Strategy
from citystat.public.tests.measure_city import build_measure_city

GOAL = "/goals/streets/"


@pytest.fixture
def city(db):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        plan = build_measure_city()
        goal = Goal.objects.get(slug="streets")
        public_works = Department.objects.create(code="pw", name="Public Works")
        Objective.objects.create(goal=goal, title="Resurface the worst streets", position=2)
        planned = Strategy.objects.create(
            goal=goal,
            title="Pothole hotline for council offices",
            description="Council staff report clusters of potholes straight to crews.",
            progress=Strategy.Progress.PLANNED,
            department=public_works,
            position=2,
        )
        # An internal measure on a strategy stays off the public page.
        planned.measures.add(Measure.objects.get(slug="draft"))
        yield plan


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def rows_of(body: str, objective: str) -> list[str]:
    """Return the table rows of the objective titled `objective`."""
    start = body.index(f">{objective}</h3>")
    section = body[start : body.index("</section>", start)]
    return re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)[1:]


def test_it_lists_every_strategy_with_its_progress_and_owner(client, city):
    body = page(client, GOAL)
    strategies = body[body.index('id="strategies-title"') : body.index('id="objectives-title"')]
    for strategy in Strategy.objects.filter(goal__slug="streets"):
        assert f'<h3 class="strategy__title">{strategy.title}</h3>' in strategies
    assert '<span class="progress progress-under-way">Under way</span>' in strategies
    assert '<span class="progress progress-planned">Planned</span> · Led by Public Works' in (
        strategies
    )
    assert "Council staff report clusters of potholes straight to crews." in strategies
    # The blitz moves the public measure; the hotline only an internal one, never named.
    assert '<a href="/measures/potholes-closed/">Potholes closed within 7 days</a>' in strategies
    assert "/measures/draft/" not in body


def test_each_objective_lists_its_public_measures_with_latest_value_target_and_status(client, city):
    body = page(client, GOAL)
    objectives = Objective.objects.filter(goal__slug="streets").order_by("position")
    # Objectives in plan order, as headings under the objectives heading.
    positions = [body.index(f">{o.title}</h3>") for o in objectives]
    assert positions == sorted(positions) and len(positions) == 2
    rows = rows_of(body, "Fix potholes fast")
    public = Measure.objects.filter(objective__title="Fix potholes fast", is_public=True)
    assert len(rows) == public.count() == 2
    # The latest value, read from the database without the page's helpers.
    latest = (
        MeasureValue.objects.filter(measure__slug="potholes-closed", breakdown="")
        .order_by("-period_start")
        .first()
    )
    row = next(r for r in rows if "/measures/potholes-closed/" in r)
    assert f"{latest.value:.1f}%" in row  # a percent measure, one decimal
    assert "October 2026" in row
    target = Measure.objects.get(slug="potholes-closed").targets.get(fiscal_year=2027)
    assert f"{target.value:.1f}%" in row
    # 85 against 90 ± 3: more than the tolerance short, within twice it.
    assert '<span class="status status-needs-attention">Needs attention</span>' in row
    # A measure with no values says so, with no made-up figure.
    empty = next(r for r in rows if "/measures/lane-miles/" in r)
    assert "No data yet" in empty and "None set" in empty
    assert "This objective has no published measures yet." in rows_of_section(
        body, "Resurface the worst streets"
    )


def rows_of_section(body: str, objective: str) -> str:
    start = body.index(f">{objective}</h3>")
    return body[start : body.index("</section>", start)]


def test_headings_run_in_order_and_tables_have_captions(client, city):
    body = page(client, GOAL)
    main = body[body.index("<main") : body.index("</main>")]
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", main)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    tables = re.findall(r"<table\b.*?</table>", main, flags=re.S)
    assert tables and all("<caption>" in table for table in tables)


def test_a_changed_strategy_shows_at_once_despite_the_page_cache(client, city):
    assert "Under way" in page(client, GOAL)
    strategy = Strategy.objects.get(title="Weekend pothole blitz")
    strategy.progress = Strategy.Progress.COMPLETE
    strategy.save()
    body = page(client, GOAL)
    assert '<span class="progress progress-complete">Complete</span>' in body


def test_a_goal_without_strategies_says_so(client, city):
    body = page(client, "/goals/water/")
    assert "No strategies have been published for this goal yet." in body
