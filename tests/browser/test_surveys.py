"""The survey, service-profile and budget pages in Debian's chromium, on a small demo city."""

import os
from pathlib import Path

import pytest

from citystat.demo.build import build_demo_city

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=20_000, seed=5)


def open_and_wait(page, url: str, charts: int) -> None:
    page.goto(url)
    page.wait_for_function(
        "n => document.querySelectorAll('.chart svg').length >= n", arg=charts, timeout=20_000
    )


def screenshot(page, name: str) -> None:
    if os.environ.get("CITYSTAT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_the_quadrant_chart_draws_every_service_as_a_point(demo_city, live_server, audit_page, axe):
    open_and_wait(audit_page, live_server.url + "/surveys/demo-resident/", charts=2)
    rows = audit_page.locator("table").first.locator("tbody tr").count()
    points = audit_page.locator(".chart").first.locator("path.mark-symbol, g.mark-symbol path")
    assert rows == 16 and points.count() == rows
    assert axe(audit_page) == []
    screenshot(audit_page, "survey-priorities.png")


def test_the_service_profile_draws_its_charts_and_passes_axe(
    demo_city, live_server, audit_page, axe
):
    open_and_wait(audit_page, live_server.url + "/services/trash-and-recycling/", charts=6)
    audit_page.get_by_text("Show the numbers").first.click()
    assert audit_page.locator("details[open] table").first.is_visible()
    assert axe(audit_page) == []
    screenshot(audit_page, "service-profile.png")


def test_the_budget_explorer_switches_year_by_keyboard(demo_city, live_server, audit_page, axe):
    open_and_wait(audit_page, live_server.url + "/budget/", charts=1)
    audit_page.get_by_label("Fiscal year").select_option("2024")
    audit_page.get_by_role("button", name="Show").press("Enter")
    audit_page.wait_for_url("**/budget/?year=2024")
    assert audit_page.get_by_role("heading", name="Where the money goes, FY2024").is_visible()
    assert axe(audit_page) == []
    screenshot(audit_page, "budget-explorer.png")
