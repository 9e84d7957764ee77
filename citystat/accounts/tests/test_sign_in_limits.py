"""Issue #16: sign-in limits that hold, and two-factor that cannot be skipped.

Each test names the finding it guards: Medium 4 (a right password cleared wrong codes),
Low 13 (reset requests and strangers locked people out), Low 17 (an administrator without
a device signed in with the password alone).
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.invitations import link_for as invitation_link
from citystat.accounts.models import Invitation
from citystat.accounts.testing import PASSWORD, confirmed_device, signed_in
from citystat.accounts.tests.test_sign_in import code_for, sign_in

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LOCKED = b"Two-factor sign-in for this account is locked for"


def wrong(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def enter_code(client: Client, code: str):
    return client.post("/staff/two-factor/", {"token": code, "next": "/staff/"})


# Medium 4


def test_five_wrong_codes_lock_the_two_factor_step_and_say_so(alice):
    device = confirmed_device(alice)
    client = Client()
    sign_in(client, "alice")
    answers = [enter_code(client, wrong(device)) for _ in range(5)]
    assert [r.status_code for r in answers] == [400, 400, 400, 400, 429]
    assert LOCKED + b" 1 minute after 5 wrong codes." in answers[-1].content


def test_a_right_password_does_not_reset_the_wrong_codes(alice):
    device = confirmed_device(alice)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(7):
            client = Client()
            assert sign_in(client, "alice").status_code == 302
            enter_code(client, wrong(device))
            enter_code(client, wrong(device))
            clock.shift(dt.timedelta(seconds=20))
        client = Client()
        sign_in(client, "alice")
        response = enter_code(client, code_for(device))
    assert response.status_code == 429
    assert LOCKED in response.content
    assert client.get("/staff/").status_code == 302


def test_the_code_lock_holds_whatever_the_address(alice):
    device = confirmed_device(alice)
    for number in range(5):
        client = Client(REMOTE_ADDR=f"203.0.113.{number}")
        sign_in(client, "alice")
        enter_code(client, wrong(device))
    client = Client(REMOTE_ADDR="192.0.2.50")
    sign_in(client, "alice")
    assert enter_code(client, code_for(device)).status_code == 429


def test_the_code_lock_lifts_after_its_minute(alice):
    device = confirmed_device(alice)
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        sign_in(client, "alice")
        for _ in range(5):
            enter_code(client, wrong(device))
        clock.shift(dt.timedelta(seconds=61))
        client = Client()
        sign_in(client, "alice")
        response = enter_code(client, code_for(device))
    assert response["Location"] == "/staff/"


# Low 13


def test_reset_requests_do_not_lock_the_office_out_of_signing_in(alice):
    office = "198.51.100.20"
    for number in range(21):
        Client(REMOTE_ADDR=office).post("/staff/password-reset/", {"email": f"p{number}@x.gov"})
    assert sign_in(Client(REMOTE_ADDR=office), "alice").status_code == 302


def test_reset_requests_from_one_address_have_their_own_limit(alice):
    client = Client(REMOTE_ADDR="198.51.100.21")
    for number in range(30):
        client.post("/staff/password-reset/", {"email": f"p{number}@x.gov"})
    response = client.post("/staff/password-reset/", {"email": "alice@example.gov"})
    assert response.status_code == 429
    assert b"Too many reset links asked from your network: 30 an hour" in response.content
    assert not mail.outbox


def test_a_stranger_cannot_lock_the_account_for_its_owner(alice):
    for _ in range(10):
        sign_in(Client(REMOTE_ADDR="203.0.113.66"), "alice", "wrong password here")
    assert sign_in(Client(REMOTE_ADDR="203.0.113.66"), "alice").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="192.0.2.10"), "alice").status_code == 302


def test_guessing_from_many_addresses_is_still_slowed(alice):
    sign_in(Client(REMOTE_ADDR="192.0.2.10"), "alice")  # the owner's usual address
    for number in range(50):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{number}"), "alice", "wrong password here")
    response = sign_in(Client(REMOTE_ADDR="198.51.100.99"), "alice")
    assert response.status_code == 429
    assert b"Try again in 1 minute" in response.content
    assert sign_in(Client(REMOTE_ADDR="192.0.2.10"), "alice").status_code == 302


# Low 17


def enrolment_link() -> str:
    found = re.search(r"https?://[^/]+(/staff/two-factor/enrol/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    return found[1]


def test_an_administrator_without_a_device_is_not_signed_in_by_the_password(dana):
    client = Client()
    response = sign_in(client, "dana")
    assert response.status_code == 403
    assert b"Your role requires two-factor sign-in" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/two-factor/")["Location"] == "/staff/login/"
    assert not TOTPDevice.objects.filter(user=dana).exists()
    assert mail.outbox[0].to == ["dana@example.gov"]


def test_the_emailed_link_enrols_a_device_then_the_person_signs_in_with_it(dana):
    sign_in(Client(), "dana")
    link = enrolment_link()
    page = Client().get(link)
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=dana, confirmed=False)
    response = Client().post(link, {"token": code_for(device)})
    assert response["Location"] == "/staff/login/"
    device.refresh_from_db()
    assert device.confirmed
    client = Client()
    assert sign_in(client, "dana")["Location"].startswith("/staff/two-factor/")


def test_the_enrolment_link_works_once(dana):
    sign_in(Client(), "dana")
    link = enrolment_link()
    Client().get(link)
    Client().post(link, {"token": code_for(TOTPDevice.objects.get(user=dana))})
    response = Client().get(link)
    assert response.status_code == 400
    assert b"already been used" in response.content
    assert TOTPDevice.objects.filter(user=dana).count() == 1


def test_the_enrolment_link_expires_after_an_hour(dana):
    sign_in(Client(), "dana")
    link = enrolment_link()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=5)):
        response = Client().get(link)
    assert response.status_code == 400
    assert b"expired" in response.content
    assert not TOTPDevice.objects.filter(user=dana).exists()


def test_a_forged_enrolment_link_is_refused(dana):
    response = Client().get("/staff/two-factor/enrol/eyJ1c2VyIjoxfQ:forged:signature/")
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_an_administrator_session_without_two_factor_cannot_enrol_a_device(dana):
    client = signed_in(dana, verified=False)
    response = client.get("/staff/two-factor/")
    assert response.status_code == 403
    assert not TOTPDevice.objects.filter(user=dana).exists()
    assert "_auth_user_id" not in client.session
    assert "/staff/two-factor/enrol/" in mail.outbox[0].body


def test_other_staff_still_turn_on_two_factor_from_their_session(alice):
    client = signed_in(alice)
    assert b"<svg" in client.get("/staff/two-factor/").content
    device = TOTPDevice.objects.get(user=alice)
    client.post("/staff/two-factor/", {"token": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_an_invited_administrator_enrols_before_being_signed_in(dana):
    invitation = Invitation.objects.create(
        email="new-admin@example.gov",
        roles=["administrator"],
        invited_by=dana,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    client = Client()
    accept = {"username": "nora", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(invitation_link(invitation), accept)
    assert response["Location"].startswith("/staff/two-factor/enrol/")
    assert "_auth_user_id" not in client.session
    assert b"<svg" in client.get(response["Location"]).content


def test_the_cli_prints_a_working_enrolment_link(dana, capsys):
    call_command("two-factor-link", "dana")
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert Client().get(link).status_code == 200


def test_a_locked_two_factor_step_says_so_before_a_code_is_typed(alice):
    device = confirmed_device(alice)
    client = Client()
    sign_in(client, "alice")
    for _ in range(5):
        enter_code(client, wrong(device))
    client = Client()
    sign_in(client, "alice")
    page = client.get("/staff/two-factor/")
    assert LOCKED + b" 1 minute after 5 wrong codes." in page.content
