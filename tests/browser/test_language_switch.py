"""The footer's language switch with the keyboard, on desktop and on a phone: to Spanish
and back on a page served from the page cache, and a hostile return address refused."""

from __future__ import annotations

import pytest

from citystat.city.models import CityProfile

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def bilingual(transactional_db):
    CityProfile.objects.create(name="Kansas City", languages=["en", "es"])


@pytest.fixture(params=sorted(SIZES))
def sized_page(request, browser):
    context = browser.new_context(viewport=SIZES[request.param])
    page = context.new_page()
    yield page
    context.close()


def switch_with_keyboard(page, key: str) -> None:
    """Choose the next (ArrowDown) or previous (ArrowUp) language and press Change."""
    page.locator("#language-switcher-select").focus()
    page.keyboard.press(key)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_switching_to_spanish_and_back_from_the_footer(bilingual, live_server, sized_page):
    page = sized_page
    url = live_server.url + "/glossary/"
    page.goto(url)
    page.goto(url)  # the second read comes from the page cache
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Language").is_visible() or page.get_by_label("Language").count()
    switch_with_keyboard(page, "ArrowDown")
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("button", name="Cambiar").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    switch_with_keyboard(page, "ArrowUp")
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Change").count() == 1


def test_a_hostile_return_address_is_refused(bilingual, live_server, sized_page):
    page = sized_page
    response = page.goto(
        live_server.url + "/language/?language=es&next=https%3A%2F%2Fevil.example%2F"
    )
    assert response is not None and response.status == 400
    assert page.url.startswith(live_server.url)
    assert "must be a page of this site" in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "django_language"]
    # A reader already reading in Spanish is told in Spanish.
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    spanish = page.goto(live_server.url + "/language/?language=en&next=%2F%2Fevil.example%2F")
    assert spanish is not None and spanish.status == 400
    assert "debe ser una página de este sitio" in page.content()
