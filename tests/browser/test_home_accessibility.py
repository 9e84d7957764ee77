"""The home page in a real browser: headings, keyboard access and an axe-core audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import RequestFactory

from citystat.plan.testing import build_tiny_plan
from citystat.public.views.errors import server_error

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def plan(transactional_db):
    return build_tiny_plan()


def test_every_priority_area_heading_is_visible(plan, live_server, page):
    page.goto(live_server.url + "/")
    for area in plan.priority_areas.all():
        assert page.get_by_role("heading", level=3, name=area.title).is_visible()


def test_the_first_tab_focuses_the_skip_link(plan, live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.get_by_role("link", name="Skip to main content").is_visible()


def test_the_skip_link_moves_focus_to_the_main_content(plan, live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_page_loads_without_console_errors_under_the_csp(plan, live_server, page):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_home_page_has_no_wcag_21_aa_violations(plan, live_server, audit_page, width, axe):
    audit_page.set_viewport_size({"width": width, "height": 900})
    audit_page.goto(live_server.url + "/")
    assert axe(audit_page) == []


def test_the_empty_home_page_has_no_wcag_21_aa_violations(
    transactional_db, live_server, audit_page, axe
):
    audit_page.goto(live_server.url + "/")
    assert axe(audit_page) == []


def test_the_404_page_has_no_wcag_21_aa_violations(transactional_db, live_server, audit_page, axe):
    audit_page.goto(live_server.url + "/no-such-page/")
    assert axe(audit_page) == []


def test_the_500_page_has_no_wcag_21_aa_violations(transactional_db, live_server, audit_page, axe):
    # The 500 page has no URL of its own; load it into a page on the live server's origin
    # so that its stylesheet is fetched from there.
    audit_page.goto(live_server.url + "/healthz")
    audit_page.set_content(server_error(RequestFactory().get("/")).content.decode())
    audit_page.wait_for_load_state("networkidle")
    assert audit_page.get_by_role("heading", level=1).is_visible()
    assert axe(audit_page) == []
