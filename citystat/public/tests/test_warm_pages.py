"""No cold first visit (#20, item 9): after a compute or a restart the pages are ready.

Builders are counted: a page served from the warm cache builds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from citystat.catalog.tests.datetime_dataset import load_tickets, tickets_frame
from citystat.city.models import CityProfile
from citystat.ops import server
from citystat.plan import display
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.public import plan_bodies, plan_pages, warm

FRAME = tickets_frame(rows=300)
SPEC = {"dataset": "tickets", "date": "opened_at", "aggregate": "count", "grain": "month"}
PAGES = [
    "/",
    "/priorities/",
    "/priorities/a/",
    "/goals/g/",
    "/headline-measures/",
    "/measures/tickets-opened/",
]


@pytest.fixture
def city(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    # Committed, as a site's plan is before anyone computes (warming is off here).
    with django_capture_on_commit_callbacks(execute=True):
        CityProfile.objects.create(name="Elsewhere", languages=["en", "es"])
        dataset = load_tickets(tmp_path, FRAME, is_public=True)
        measure = add_measure("tickets-opened", SPEC, dataset=dataset, is_public=True)
        Plan.objects.filter(slug="p").update(is_current=True)
    return measure


@pytest.fixture
def builds(monkeypatch) -> Counter[str]:
    """Count every build of a page body (measure, goal, area, home and list pages)."""
    counted: Counter[str] = Counter()

    def counting(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        plan_bodies, "measure_context", counting("measure", plan_bodies.measure_context)
    )
    monkeypatch.setattr(plan_pages, "area_summary", counting("area", plan_pages.area_summary))
    monkeypatch.setattr(plan_pages, "goal_summary", counting("goal", plan_pages.goal_summary))
    monkeypatch.setattr(
        plan_pages, "headline_cards", counting("headlines", plan_pages.headline_cards)
    )
    return counted


def visit_every_page(client) -> None:
    for language in ("en", "es"):
        for url in PAGES:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            assert response["Content-Language"] == language


def test_after_a_compute_the_first_visit_of_every_page_builds_nothing(
    client, city, settings, builds, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_WARM_PAGES = "foreground"
    with django_capture_on_commit_callbacks(execute=True):
        report = compute_measures([city])
    assert not report.failed, report.failed
    assert builds["measure"] == 2  # warmed in English and Spanish
    builds.clear()
    visit_every_page(client)
    assert sum(builds.values()) == 0, builds
    # And the warm page shows what the compute stored: pandas counts the same months.
    counts = FRAME.groupby(FRAME["opened_at"].dt.strftime("%Y-%m")).size()
    stored = dict(
        MeasureValue.objects.filter(measure=city, breakdown="").values_list("period", "value")
    )
    assert stored == {period: float(n) for period, n in counts.items()}
    body = client.get(PAGES[-1]).content.decode()
    assert f"<td>{display.value_text(float(counts.iloc[-1]), 'count')}" in body or (
        display.value_text(float(counts.iloc[-1]), "count") in body
    )


def test_a_change_after_warming_is_warmed_again(
    client, city, settings, builds, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_WARM_PAGES = "foreground"
    with django_capture_on_commit_callbacks(execute=True):
        compute_measures([city])
    value = MeasureValue.objects.filter(measure=city, breakdown="").order_by("period").last()
    assert value is not None
    with django_capture_on_commit_callbacks(execute=True):
        value.value = 4321.0
        value.save()
    builds.clear()
    response = client.get(PAGES[-1], HTTP_ACCEPT_LANGUAGE="en")
    assert "4,321" in response.content.decode()
    assert builds["measure"] == 0


def test_without_warming_the_first_visit_builds_the_page(client, city, builds):
    # The counter sees a cold page (CITYSTAT_WARM_PAGES=off, as conftest sets for tests).
    compute_measures([city])
    client.get(PAGES[-1])
    assert builds["measure"] == 1


def test_a_restart_warms_every_page(client, city, builds, capsys):
    compute_measures([city])
    cache.clear()  # as a new site cache after a restart: nothing rendered yet
    call_command("warm")
    assert "Warmed 12 pages in en, es" in capsys.readouterr().out
    builds.clear()
    visit_every_page(client)
    assert sum(builds.values()) == 0, builds


def test_serve_starts_the_warming_beside_the_workers(settings, monkeypatch, tmp_path):
    started: list[list[str]] = []

    class Recording:
        def __init__(self, command: list[str], **kwargs: Any) -> None:
            started.append(command)

    monkeypatch.setattr(server.subprocess, "Popen", Recording)
    # A process-local cache: a warming process would fill a cache no worker reads.
    assert server.warm_pages_in_background() is None
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        },
    }
    settings.CITYSTAT_WARM_PAGES = "off"
    assert server.warm_pages_in_background() is None
    settings.CITYSTAT_WARM_PAGES = "background"
    assert server.warm_pages_in_background() is not None
    assert started == [[server.sys.executable, "-m", "citystat", "warm"]]


def test_background_warming_leaves_a_process_local_cache_alone(city, settings, monkeypatch):
    settings.CITYSTAT_WARM_PAGES = "background"
    threads: list[object] = []
    monkeypatch.setattr(warm.threading, "Thread", lambda **kwargs: threads.append(kwargs))
    warm.warm_after_change()
    assert threads == []


def test_the_warm_pages_are_the_days_pages(city, settings, builds):
    # The date is part of every key: pages warmed yesterday are not today's.
    call_command("warm")
    assert builds["measure"] == 2

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)):
        call_command("warm")
    assert builds["measure"] == 4
