"""Finding a neighborhood (by name, on the map), switching to Spanish, and axe-core on the
place, search and "how we measure" pages in both languages, over a small demo city."""

import os
import re
from pathlib import Path

import pytest

from citystat.demo.build import build_demo_city

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
PLACE_URL = re.compile(r".*/neighborhoods/[a-z0-9-]+/$")


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=4_000, seed=3)


def wait_for_charts(page, count: int) -> None:
    """Wait until vega-embed has replaced the server's drawings with `count` live charts."""
    page.wait_for_function(
        "n => document.querySelectorAll('.chart.vega-embed svg').length >= n",
        arg=count,
        timeout=30_000,
    )


def screenshot(page, name: str) -> None:
    if os.environ.get("CITYSTAT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_a_resident_finds_a_neighborhood_by_name_then_on_the_map(demo_city, live_server, page):
    # A cold place page warms the warehouse, the survey figures and the chart renderer.
    page.set_default_timeout(90_000)
    page.goto(live_server.url + "/neighborhoods/")
    page.get_by_label("Neighborhood name").fill("Shoal Creek")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    assert page.url == live_server.url + "/neighborhoods/shoal-creek/"
    assert page.get_by_role("heading", level=1).inner_text() == "Shoal Creek"
    wait_for_charts(page, 2)
    # The chart's table alternative lists the same request types the chart draws.
    bars = page.locator("#chart-spec-types + figure .chart path.mark-rect, .chart g.mark-rect path")
    assert bars.count() == page.locator("#requests-table tbody tr").count() > 0

    page.goto(live_server.url + "/neighborhoods/")
    wait_for_charts(page, 1)
    shapes = page.locator(".place-picker svg g.mark-shape path")
    assert shapes.count() > 200
    with page.expect_navigation():
        shapes.nth(40).click()
    assert PLACE_URL.match(page.url)
    assert page.get_by_role("heading", level=2, name="311 service requests").is_visible()


def test_the_language_switch_shows_the_same_page_in_spanish(demo_city, live_server, page):
    page.set_default_timeout(90_000)
    page.goto(live_server.url + "/districts/3/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Language").select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()
    assert page.url == live_server.url + "/districts/3/"
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Distrito 3"
    assert page.get_by_role("heading", name="Solicitudes de servicio al 311").is_visible()
    screenshot(page, "district-es.png")


PAGES = [
    ("/neighborhoods/", 1),
    ("/neighborhoods/shoal-creek/", 2),
    ("/districts/3/", 3),
    ("/search/?q=trash", 0),
    ("/how-we-measure/", 0),
]


def test_place_search_and_method_pages_pass_axe_in_both_languages(
    demo_city, live_server, audit_page, axe
):
    audit_page.set_default_timeout(90_000)
    for language in ("en", "es"):
        audit_page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for path, charts in PAGES:
            audit_page.goto(live_server.url + path)
            wait_for_charts(audit_page, charts)
            assert audit_page.locator("html").get_attribute("lang") == language
            assert axe(audit_page) == [], f"{path} in {language}"
            if language == "en":
                screenshot(
                    audit_page, "place-" + (path.strip("/").replace("/", "-") or "home") + ".png"
                )
