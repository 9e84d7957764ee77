"""`citystat demo`: one command from nothing to a served demo city."""

import time

import pytest

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.city.models import BoundaryLayer, CityProfile
from citystat.demo.build import build_demo_city
from citystat.plan.models import Goal, Measure, Plan

ROWS = 3_000


@pytest.fixture
def home(settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    return settings.CITYSTAT_HOME


@pytest.mark.django_db
def test_it_builds_the_kansas_city_profile_datasets_and_plan(home):
    build = build_demo_city(rows=ROWS, seed=7)
    city = CityProfile.current()
    assert (city.name, city.time_zone, city.fiscal_year_start_month) == (
        "Kansas City",
        "America/Chicago",
        5,
    )
    assert BoundaryLayer.objects.get(slug="neighborhoods").area_count == 240
    assert build.loaded["service-requests"] == ROWS
    assert warehouse.row_count("service-requests") == ROWS
    assert Dataset.objects.filter(versions__status="published").distinct().count() == 6
    assert Plan.current().priority_areas.count() == 6
    assert Measure.objects.filter(dataset__isnull=False).exists()
    # Every goal tells its story, approved and public, naming its own public measures'
    # count and never an internal measure.
    for goal in Goal.objects.filter(priority_area__plan=Plan.current()):
        narrative = goal.narratives.approved().get()
        assert narrative.period.startswith("FY"), narrative.period
        measures = Measure.objects.filter(objective__goal=goal)
        public = measures.filter(is_public=True).count()
        assert (
            f"Of the goal's {public} measures" in narrative.context
            or f"None of the goal's {public} measures" in narrative.context
            or (public == 0 and "not published" in narrative.context)
        ), narrative.context
        text = " ".join([narrative.context, narrative.actions, narrative.next_steps]).lower()
        for internal in measures.filter(is_public=False):
            assert internal.title.lower() not in text, (goal.slug, internal.title)


@pytest.mark.django_db
def test_a_second_run_reuses_the_first_and_takes_seconds(home):
    build_demo_city(rows=ROWS, seed=7)
    started = time.monotonic()
    build = build_demo_city(rows=ROWS, seed=7)
    assert build.reused
    assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_fresh_rebuilds_even_when_a_build_exists(home):
    build_demo_city(rows=ROWS, seed=7)
    build = build_demo_city(rows=ROWS, seed=7, fresh=True)
    assert not build.reused
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_another_size_is_a_new_build(home):
    build_demo_city(rows=ROWS, seed=7)
    build = build_demo_city(rows=ROWS + 500, seed=7)
    assert not build.reused
    assert warehouse.row_count("service-requests") == ROWS + 500
