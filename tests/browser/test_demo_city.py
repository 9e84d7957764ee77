"""A demo city built inside the test, opened in Debian's chromium."""

import os
from pathlib import Path

import pytest

from citystat.demo.build import build_demo_city
from citystat.plan.models import Plan

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=11)
    return Plan.current()


def test_the_home_page_shows_every_priority_area(demo_city, live_server, page):
    page.goto(live_server.url + "/")
    titles = [area.title for area in demo_city.priority_areas.all()]
    assert len(titles) == 6
    for title in titles:
        assert page.get_by_role("heading", name=title).is_visible()
    assert "Kansas City" in page.title() or page.get_by_text("Kansas City").first.is_visible()
    if os.environ.get("CITYSTAT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "home.png"))
