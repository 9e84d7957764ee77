"""Two-factor sign-in in a real browser, at desktop and phone widths (issue #16):
the lock after five wrong codes, and an administrator enrolling through the emailed link
instead of signing in with the password alone."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_staff_sign_in import person, sign_in_by_keyboard

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser) -> Iterator:
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900})
    page = context.new_page()
    yield page
    context.close()


def code_from_key(key: bytes, drift: int = 0) -> str:
    return f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}"


def submit_code(page, code: str) -> None:
    field = page.get_by_label("Six-digit code")
    field.fill(code)
    with page.expect_navigation():
        field.press("Enter")
    page.wait_for_load_state("networkidle")


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_five_wrong_codes_lock_the_two_factor_step(transactional_db, live_server, sized_page):
    alice = person("alice", "performance-staff")
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    sign_in_by_keyboard(sized_page, live_server.url, "alice")
    assert sized_page.url.startswith(live_server.url + "/staff/two-factor/")
    right = int(code_from_key(device.bin_key))
    for _ in range(5):
        submit_code(sized_page, f"{(right + 500_000) % 1_000_000:06d}")
    error = sized_page.locator(".field__error").inner_text()
    assert (
        error == "Two-factor sign-in for this account is locked for 1 minute after 5 wrong codes."
    )
    assert sized_page.get_by_label("Six-digit code").get_attribute("aria-invalid") == "true"
    submit_code(sized_page, code_from_key(device.bin_key))
    assert "locked" in sized_page.locator(".field__error").inner_text()
    assert fits_the_width(sized_page)


def enrolment_path() -> str:
    found = re.search(r"https?://[^/]+(/staff/two-factor/enrol/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    return found[1]


def test_an_administrator_without_a_device_enrols_through_the_emailed_link(
    transactional_db, live_server, sized_page
):
    dana: User = person("dana", "administrator")
    sign_in_by_keyboard(sized_page, live_server.url, "dana")
    assert sized_page.get_by_role("heading", level=1).inner_text() == (
        "Set up two-factor sign-in first"
    )
    assert "emailed a link" in sized_page.get_by_role("alert").inner_text()
    assert sized_page.goto(live_server.url + "/staff/").url.startswith(
        live_server.url + "/staff/login/"
    )
    assert mail.outbox[-1].to == ["dana@example.gov"]

    sized_page.goto(live_server.url + enrolment_path())
    assert sized_page.get_by_role("heading", level=1).inner_text() == ("Turn on two-factor sign-in")
    assert sized_page.locator("figure.qr svg").is_visible()
    assert fits_the_width(sized_page)
    key = base64.b32decode(sized_page.locator("code.secret").inner_text())
    submit_code(sized_page, code_from_key(key))
    assert sized_page.url == live_server.url + "/staff/login/"
    assert "Two-factor sign-in is on" in sized_page.get_by_role("status").inner_text()
    assert TOTPDevice.objects.get(user=dana).confirmed

    sign_in_by_keyboard(sized_page, live_server.url, "dana")
    assert sized_page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    # The enrolment used this 30-second step's code; a code is good once, so take the next.
    submit_code(sized_page, code_from_key(key, drift=1))
    assert sized_page.url == live_server.url + "/staff/"
    assert fits_the_width(sized_page)
