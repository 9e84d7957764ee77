"""Confirming an email subscription in a real browser: the emailed link opens a page, and
only its button turns the subscription on (issue #16, Low 14). Desktop and phone widths,
English and Spanish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from citystat.city.profile import load_city_file
from citystat.engagement.models import Subscription
from citystat.engagement.subscriptions import subscribe

pytestmark = pytest.mark.browser

CITY_FILE = Path(__file__).parents[2] / "citystat/engagement/tests/fixtures/city.yaml"
WORDS = {
    "en": ("Confirm your subscription", "Confirm my subscription", "You are subscribed"),
    "es": ("Confirme su suscripción", "Confirmar mi suscripción", "Ya está suscrito"),
}


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("en", 390), ("es", 390)])
def test_the_emailed_link_confirms_only_when_its_button_is_pressed(
    transactional_db, live_server, browser, language, width
):
    load_city_file(CITY_FILE)
    mail.outbox.clear()
    subscribe("neighbor@example.org", Subscription.Subject.MEETINGS, "")
    found = re.search(r"https?://[^/\s]+(/subscribe/confirm/[^\s/]+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    heading, button, done = WORDS[language]

    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + found.group(1))

    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("heading", name=heading).is_visible()
    assert not Subscription.objects.get().is_active, "opening the link confirmed it"
    press = page.get_by_role("button", name=button)
    box = press.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_navigation():
        press.click()

    assert page.get_by_role("heading", name=done).is_visible()
    assert Subscription.objects.get().is_active
    context.close()
