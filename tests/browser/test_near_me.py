"""Near me in Debian's chromium: a tap on the map, an address (found and not found), the
phone's location, at desktop and phone width and in Spanish; axe-core on the page."""

from __future__ import annotations

import pytest

from citystat.public.tests.near_city import build_near_city

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def near_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    build_near_city(tmp_path / "files")


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        geolocation={"latitude": 39.012, "longitude": -94.565},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def places_named(page) -> list[str]:
    return page.locator(".near-me__places a").all_inner_texts()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_finds_their_places_by_map_address_and_location(
    near_city, live_server, sized_page
):
    page = sized_page
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url + "/near-me/")
    assert fits_the_screen(page)

    # A tap in the middle of Riverside's shape: the server looks the point up.
    shape = page.locator('a[aria-label="Riverside"] path')
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "how=map" in page.url
    assert places_named(page) == ["Riverside", "District 4"]
    assert page.locator(".svg-map__marker").count() == 1
    assert page.locator(".svg-map__area--selected").count() == 1

    # An address from the address dataset.
    page.get_by_label("Your street address").fill("100 main st")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    assert places_named(page) == ["Hilltop", "District 4"]

    # An address that matches nothing: said so, typed text kept, the map offered.
    page.get_by_label("Your street address").fill("9 Nowhere Blvd")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    alert = page.get_by_role("alert").filter(has_text="No address")
    assert "“9 Nowhere Blvd” was found" in alert.inner_text()
    assert page.get_by_label("Your street address").input_value() == "9 Nowhere Blvd"
    with page.expect_navigation():
        alert.get_by_role("link", name="Go to the map").click()
    assert page.url.endswith("#near-me-map") and places_named(page) == []

    # The phone's location (granted to this browser: a point in Riverside).
    with page.expect_navigation():
        page.get_by_role("button", name="Use my location").click()
    assert "how=location" in page.url
    assert places_named(page) == ["Riverside", "District 4"]
    assert fits_the_screen(page)
    # The one answer that is not 200 is the unmatched address's 400, on purpose.
    assert [e for e in errors if "status of 400" not in e] == []


def test_a_refused_location_says_so_and_leaves_the_map(near_city, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # no permission
    page = context.new_page()
    page.goto(live_server.url + "/near-me/")
    page.get_by_role("button", name="Use my location").click()
    refusal = page.locator("#near-me-locate-error")
    refusal.wait_for()
    assert "could not be read" in refusal.inner_text()
    assert page.url == live_server.url + "/near-me/"
    context.close()


def test_near_me_in_spanish_on_a_phone(near_city, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-MX")
    page = context.new_page()
    page.goto(live_server.url + "/near-me/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Encuentre su vecindario y su distrito del concejo"
    )
    page.get_by_label("Su dirección").fill("9 Nowhere Blvd")
    with page.expect_navigation():
        form = page.get_by_role("search", name="Buscar por dirección")
        form.get_by_role("button", name="Buscar").click()
    assert (
        "No se encontró la dirección «9 Nowhere Blvd»"
        in page.get_by_role("alert").first.inner_text()
    )
    shape = page.locator('a[aria-label="Hilltop"] path')
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert places_named(page) == ["Hilltop", "Distrito 4"]
    assert fits_the_screen(page)
    context.close()


def test_a_neighborhood_page_shows_its_own_map(near_city, live_server, page):
    page.goto(live_server.url + "/neighborhoods/hilltop/")
    section = page.get_by_role("region", name="Map of Hilltop")
    assert section.locator(".svg-map__svg circle.svg-map__point").count() == 10
    with page.expect_navigation():
        section.get_by_role("link", name="Find your own neighborhood and district").click()
    assert page.url == live_server.url + "/near-me/"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["/near-me/", "/near-me/?address=9+Nowhere+Blvd"])
def test_near_me_has_no_wcag_21_aa_violations(near_city, live_server, audit_page, axe, path, width):
    audit_page.set_viewport_size({"width": width, "height": 900})
    audit_page.goto(live_server.url + path)
    assert axe(audit_page) == []
