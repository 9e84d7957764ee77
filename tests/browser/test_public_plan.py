"""The plan pages in Debian's chromium over a small demo city: a resident's path from the
home page to a measure, its district and its dataset; charts, tables, keyboard, axe, and
no request to any other host."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from citystat.demo.build import build_demo_city
from citystat.plan.models import Measure, MeasureValue

pytestmark = pytest.mark.browser
# Screenshots of each page type, kept as test artifacts (var/ is not in git).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "public-plan"


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=4_000, seed=7)


def district_measure() -> Measure:
    """Return a public measure broken down by council district (the fullest page)."""
    slug = (
        MeasureValue.objects.filter(
            measure__is_public=True, breakdown="council_district", value__isnull=False
        )
        .order_by("measure__pk")
        .values_list("measure__slug", flat=True)
        .first()
    )
    assert slug, "the demo plan has no public measure broken down by district"
    return Measure.objects.select_related("objective__goal__priority_area", "dataset").get(
        slug=slug
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def follow(page, name: str) -> None:
    """Click the first link named `name` and wait for the page it opens."""
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def wait_for_charts(page, count: int) -> None:
    """Wait until vega-embed has drawn `count` live charts over the server's drawings."""
    page.wait_for_function(
        "n => document.querySelectorAll('.chart.vega-embed svg').length >= n",
        arg=count,
        timeout=30_000,
    )


def record_other_hosts(page, site: str) -> list[str]:
    """Collect every request the page makes to a host other than the site."""
    others: list[str] = []
    host = urlsplit(site).netloc

    def check(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
            others.append(request.url)

    page.on("request", check)
    return others


def test_a_resident_goes_from_home_to_a_measure_its_district_and_its_dataset(
    demo_city, live_server, page
):
    measure = district_measure()
    goal = measure.objective.goal
    area = goal.priority_area
    others = record_other_hosts(page, live_server.url)

    page.goto(live_server.url + "/")
    page.wait_for_selector("text=Priority areas")
    screenshot(page, "home.png")
    follow(page, area.title)
    assert page.url.endswith(area.get_absolute_url())
    screenshot(page, "priority.png")
    follow(page, goal.title)
    assert page.url.endswith(goal.get_absolute_url())
    assert page.locator(".sparkline svg").count() >= 1
    screenshot(page, "goal.png")
    follow(page, measure.title)
    assert page.url.endswith(measure.get_absolute_url())

    # Server drawings are in the HTML; vega-embed replaces them with live charts
    # (over time, district map, equity gap).
    wait_for_charts(page, 3)
    assert page.locator("#chart-title").is_visible()
    screenshot(page, "measure.png")

    # The table alternative holds the same numbers as the JSON download.
    shown = [
        float(v)
        for v in page.locator("#values-table td[data-value]").evaluate_all(
            "cells => cells.map(c => c.dataset.value)"
        )
    ]
    download = page.request.get(live_server.url + f"/measures/{measure.slug}/values.json")
    overall = [
        row["value"]
        for row in json.loads(download.text())["values"]
        if not row["breakdown"] and row["value"] is not None
    ]
    assert shown == overall

    ranked = page.locator(".breakdown__table tbody th a")
    assert ranked.count() >= 2
    district_name = ranked.first.inner_text()
    with page.expect_navigation():
        ranked.first.click()
    assert "/districts/" in page.url
    screenshot(page, "district.png")
    page.go_back()
    page.wait_for_selector("#how-title")

    assert measure.dataset is not None
    follow(page, measure.dataset.title)
    assert page.url.endswith(f"/datasets/{measure.dataset.slug}/")
    screenshot(page, "dataset.png")

    page.goto(live_server.url + f"/embed/measures/{measure.slug}/")
    wait_for_charts(page, 1)
    screenshot(page, "embed.png")
    page.goto(live_server.url + f"/measures/{measure.slug}/card.png")
    assert district_name
    assert others == []


def test_plan_pages_pass_axe_and_every_link_is_reached_by_keyboard(
    demo_city, live_server, audit_page, axe
):
    measure = district_measure()
    goal = measure.objective.goal
    urls = {
        "home": "/",
        "priorities": "/priorities/",
        "priority": goal.priority_area.get_absolute_url(),
        "goal": goal.get_absolute_url(),
        "measure": measure.get_absolute_url(),
        "embed": f"/embed/measures/{measure.slug}/",
        "not found": "/measures/no-such-measure/",
    }
    page = audit_page
    for name, url in urls.items():
        page.goto(live_server.url + url)
        if name in ("measure", "embed"):
            wait_for_charts(page, 1)
        assert axe(page) == [], name

    # Keyboard only: Tab from the top reaches every visible link of the measure page.
    page.goto(live_server.url + measure.get_absolute_url())
    wait_for_charts(page, 3)
    links = set(page.locator("a[href]:visible").evaluate_all("links => links.map(a => a.href)"))
    reached: set[str] = set()
    for _ in range(len(links) * 2 + 40):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement && document.activeElement.href")
        if href:
            reached.add(href)
        if reached >= links:
            break
    assert links - reached == set()
