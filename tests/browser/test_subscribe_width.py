"""The subscription form fits a phone: its select of measure titles was 455 px wide (#20)."""

import pytest

from tests.browser.test_phone_width_and_navigation import demo_city  # noqa: F401

pytestmark = pytest.mark.browser


def test_subscribe_fits_a_phone(demo_city, live_server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/subscribe/")
    extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '#' + e.id)"
    )
    context.close()
    assert extra <= 0, (extra, wide)
