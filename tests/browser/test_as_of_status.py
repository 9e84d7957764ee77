"""A measure over historic data, in Debian's chromium: the status says "as of October 2026"
beside it, in English and Spanish, at desktop and phone width, and stays on screen."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache

from citystat.city.models import CityProfile
from citystat.public.tests.measure_city import build_measure_city

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}
AS_OF = {"en": "as of October 2026", "es": "según datos de octubre de 2026"}
STATUS = {"en": "Needs attention", "es": "Necesita atención"}


@pytest.fixture
def historic_city(transactional_db, monkeypatch):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=False):
        build_measure_city()
    CityProfile.objects.update(languages=["en", "es"])
    # Ten months after the data's last complete month, with the dataset loaded as promised.
    with time_machine.travel("2027-08-15 12:00 +00:00", tick=True):
        yield


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_measure_page_says_as_of_beside_its_status(
    historic_city, live_server, browser, language, width
):
    columns, rows = WIDTHS[width]
    context = browser.new_context(viewport={"width": columns, "height": rows})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/measures/potholes-closed/")
        headline = page.locator(".measure-headline")
        assert headline.locator(".status").inner_text() == STATUS[language]
        as_of = headline.locator(".status-as-of")
        assert as_of.inner_text() == AS_OF[language]
        assert as_of.is_visible()
        box = as_of.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= columns
        # Nothing on the page is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= columns
    finally:
        context.close()
