"""A measure page read in Spanish: the browser draws its charts with Spanish month names."""

import pytest

from citystat.demo.build import build_demo_city

pytestmark = pytest.mark.browser
SPANISH_MONTHS = {"enero", "abril", "julio", "octubre", "ene", "abr", "jul", "oct"}
ENGLISH_ONLY_MONTHS = {"January", "April", "August", "December", "Jan", "Apr", "Aug", "Dec"}


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=7)


def test_a_spanish_measure_page_draws_its_axes_in_spanish(demo_city, live_server, page):
    page.set_default_timeout(90_000)
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto(live_server.url + "/measures/potholes-closed-within-7-days/")
    assert page.locator("html").get_attribute("lang") == "es"
    # vega-embed replaces the server's drawing: wait for the live chart's axis labels.
    page.wait_for_function(
        "() => document.querySelectorAll('.chart.vega-embed svg .role-axis-label text').length",
        timeout=30_000,
    )
    texts = page.locator(".chart.vega-embed svg .role-axis-label text").all_text_contents()
    words = {word.strip(".").lower() for text in texts for word in text.split()}
    assert words & SPANISH_MONTHS, f"no Spanish month on the axes: {texts}"
    assert not {text.strip() for text in texts} & ENGLISH_ONLY_MONTHS
    # Vega's own descriptions of axes and marks are English: they are turned off, and the
    # chart is named by its translated description.
    labels = page.locator(".chart.vega-embed svg [aria-label]").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('aria-label'))"
    )
    assert not [label for label in labels if "axis" in label.lower() or "mark" in label.lower()]
    name = page.locator(".chart.vega-embed svg").first.get_attribute("aria-label") or ""
    assert name and "axis" not in name.lower(), name
