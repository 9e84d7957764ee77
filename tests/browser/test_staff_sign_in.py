"""Staff sign-in and workspace in a real browser: keyboard only, CSP-clean, axe-core."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person

pytestmark = pytest.mark.browser


def person(username: str, role: str) -> User:
    sync_roles()
    return make_person(username, role)


@pytest.fixture
def alice(transactional_db) -> User:
    return person("alice", "performance-staff")


def sign_in_by_keyboard(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    # Wait for the form's own navigation: "networkidle" alone can be the login page's
    # earlier state, and a busy machine then reads the old URL or aborts the next goto.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_staff_sign_in_works_with_the_keyboard_alone(alice, live_server, page):
    sign_in_by_keyboard(page, live_server.url, "alice")
    assert page.url == live_server.url + "/staff/"
    assert page.get_by_role("heading", level=1, name="What needs you").is_visible()


def test_a_wrong_password_is_announced_and_the_username_kept(alice, live_server, page):
    sign_in_by_keyboard(page, live_server.url, "alice", "not the password at all")
    assert page.get_by_role("alert").inner_text().startswith("That username and password")
    assert page.get_by_label("Username").input_value() == "alice"


def test_staff_pages_load_without_console_errors_under_the_csp(alice, live_server, page):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in_by_keyboard(page, live_server.url, "alice")
    page.goto(live_server.url + "/staff/two-factor/")
    page.wait_for_load_state("networkidle")
    assert errors == []


@pytest.mark.parametrize("path", ["/staff/login/", "/staff/password-reset/"])
def test_public_staff_pages_have_no_wcag_21_aa_violations(
    transactional_db, live_server, audit_page, axe, path
):
    audit_page.goto(live_server.url + path)
    assert axe(audit_page) == []


def test_a_sign_in_form_with_errors_has_no_wcag_21_aa_violations(
    alice, live_server, audit_page, axe
):
    audit_page.goto(live_server.url + "/staff/login/")
    with audit_page.expect_navigation():
        audit_page.get_by_role("button", name="Sign in").click()
    audit_page.wait_for_load_state("networkidle")
    assert axe(audit_page) == []


@pytest.mark.parametrize("path", ["/staff/", "/staff/two-factor/", "/staff/invitations/"])
def test_the_workspace_pages_have_no_wcag_21_aa_violations(
    alice, live_server, audit_page, axe, path
):
    sign_in_by_keyboard(audit_page, live_server.url, "alice")
    audit_page.goto(live_server.url + path)
    assert axe(audit_page) == []
