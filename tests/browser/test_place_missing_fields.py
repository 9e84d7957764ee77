"""A place page whose declared 311 dataset lacks a needed public field says so, at desktop
and phone width, in English and Spanish, instead of leaving the section out silently."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from citystat.public.tests.small_city import build_small_city, withhold_field

pytestmark = pytest.mark.browser


@pytest.fixture
def city_without_closed_dates(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    build_small_city(tmp_path / "source", datetimes=True)
    withhold_field("service-requests", "closed_date")
    cache.clear()


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_page_names_the_dataset_and_the_missing_field(
    city_without_closed_dates, live_server, browser, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(live_server.url + "/neighborhoods/shoal-creek/")
        notice = page.get_by_text("311 service requests has no public closed_date column")
        assert notice.is_visible()
        assert page.get_by_role("heading", name="311 service requests").count() == 0
        # The demolitions section still shows: one unreadable dataset hides only its own.
        assert page.get_by_role("heading", name="Demolitions of dangerous buildings").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.get_by_label("Language").select_option("es")
        with page.expect_navigation():
            page.get_by_role("button", name="Change").click()
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_text("no tiene una columna pública closed_date").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
