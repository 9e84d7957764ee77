"""Staff sign-in: throttling, two-factor, sessions, password reset and invitations."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.invitations import link_for
from citystat.accounts.models import Invitation, SignInAttempt
from citystat.accounts.testing import PASSWORD, confirmed_device, signed_in


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/staff/login/", {"username": username, "password": password}, **extra)


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def test_the_sign_in_page_is_at_the_login_url(db, settings):
    assert settings.LOGIN_URL == "/staff/login/"
    response = Client().get("/staff/login/")
    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content


def test_staff_sign_in_lands_on_the_workspace(alice):
    response = sign_in(Client(), "alice")
    assert (response.status_code, response["Location"]) == (302, "/staff/")


def test_a_wrong_password_keeps_the_username_and_says_why(alice):
    response = sign_in(Client(), "alice", "wrong password here")
    assert response.status_code == 400
    assert b'value="alice"' in response.content
    assert b"do not match" in response.content


def test_a_missing_password_is_tied_to_its_field(alice):
    response = Client().post("/staff/login/", {"username": "alice"})
    assert response.status_code == 400
    assert b'aria-describedby="id_password_error"' in response.content
    assert b'id="id_password_error"' in response.content


def test_next_may_not_point_off_site(alice):
    response = Client().post(
        "/staff/login/?next=https://evil.example/", {"username": "alice", "password": PASSWORD}
    )
    assert response["Location"] == "/staff/"


def test_five_failures_lock_the_account(alice):
    client = Client()
    for _ in range(5):
        sign_in(client, "alice", "wrong password here")
    response = sign_in(client, "alice")
    assert response.status_code == 429
    assert b"Try again in 1 minute" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lock_is_shared_by_every_web_node(alice):
    # A new client (session) per attempt stands for a request reaching another node.
    for _ in range(5):
        sign_in(Client(REMOTE_ADDR="192.0.2.7"), "alice", "wrong password here")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.7"), "alice").status_code == 429


def test_the_lock_lifts_after_a_minute(alice):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            sign_in(Client(), "alice", "wrong password here")
        clock.shift(dt.timedelta(seconds=61))
        assert sign_in(Client(), "alice").status_code == 302


def test_each_further_failure_doubles_the_lock(alice):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            sign_in(Client(), "alice", "wrong password here")
        clock.shift(dt.timedelta(seconds=61))
        sign_in(Client(), "alice", "wrong password here")
        clock.shift(dt.timedelta(seconds=61))
        response = sign_in(Client(), "alice")
        assert response.status_code == 429
        assert b"Try again in 1 minute" in response.content
        clock.shift(dt.timedelta(seconds=60))
        assert sign_in(Client(), "alice").status_code == 302


def test_one_address_failing_on_many_accounts_is_locked(alice):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for number in range(20):
        sign_in(client, f"guess{number}", "wrong password here")
    assert sign_in(client, "alice").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.10"), "alice").status_code == 302


def test_attempts_are_rows_in_the_database(alice):
    sign_in(Client(REMOTE_ADDR="198.51.100.4"), "Alice", "wrong password here")
    attempt = SignInAttempt.objects.get()
    assert (attempt.username, attempt.ip, attempt.succeeded) == ("alice", "198.51.100.4", False)


def test_a_person_with_a_device_is_asked_for_a_code(alice):
    confirmed_device(alice)
    client = Client()
    response = sign_in(client, "alice")
    assert response["Location"].startswith("/staff/two-factor/")
    assert "_auth_user_id" not in client.session


def test_the_right_code_completes_sign_in(alice):
    device = confirmed_device(alice)
    client = Client()
    sign_in(client, "alice")
    response = client.post("/staff/two-factor/", {"token": code_for(device), "next": "/staff/"})
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_is_refused(alice):
    device = confirmed_device(alice)
    client = Client()
    sign_in(client, "alice")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/staff/two-factor/", {"token": wrong})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_a_code_cannot_be_used_twice(alice):
    device = confirmed_device(alice)
    code = code_for(device)
    first, second = Client(), Client()
    sign_in(first, "alice")
    first.post("/staff/two-factor/", {"token": code})
    sign_in(second, "alice")
    assert second.post("/staff/two-factor/", {"token": code}).status_code == 400


def test_an_administrator_without_a_device_is_emailed_a_set_up_link(dana):
    client = Client()
    response = sign_in(client, "dana")
    assert response.status_code == 403
    assert b"we have emailed a link to set it up" in response.content
    assert "_auth_user_id" not in client.session
    assert "/staff/two-factor/enrol/" in mail.outbox[0].body


def test_two_factor_is_optional_for_other_staff(alice):
    client = Client()
    sign_in(client, "alice")
    assert client.get("/staff/").status_code == 200


def test_a_session_ends_after_its_hours(alice, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = Client()
        sign_in(client, "alice")
        assert client.get("/staff/").status_code == 200
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_a_tampered_session_cookie_signs_nobody_in(alice, settings):
    client = Client()
    sign_in(client, "alice")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    cookie.set(cookie.key, cookie.value[:-2] + "xx", cookie.value[:-2] + "xx")
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def reset_link(email: str) -> str:
    Client().post("/staff/password-reset/", {"email": email})
    found = re.search(r"https?://[^/]+(/staff/reset/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    return found[1]


def test_reset_requests_for_one_address_are_throttled(alice):
    for _ in range(5):
        Client().post("/staff/password-reset/", {"email": "alice@example.gov"})
    response = Client().post("/staff/password-reset/", {"email": "alice@example.gov"})
    assert response.status_code == 429
    assert b"Too many reset links asked for this address: 5 an hour" in response.content
    assert b'value="alice@example.gov"' in response.content
    assert len(mail.outbox) == 5


def test_a_reset_link_sets_a_new_password(alice):
    client = Client()
    form = client.get(reset_link("alice@example.gov"), follow=True)
    new = "a brand new long passphrase"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response["Location"] == "/staff/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_a_replayed_reset_link_is_refused_and_changes_nothing(alice, caplog):
    link = reset_link("alice@example.gov")
    client = Client()
    form = client.get(link, follow=True)
    new = "a brand new long passphrase"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    replay = Client().get(link, follow=True)
    assert replay.status_code == 400
    assert b"cannot be used" in replay.content
    assert "refused password-reset link" in caplog.text
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_a_forged_csrf_token_is_refused_and_logged(alice, caplog):
    client = Client(enforce_csrf_checks=True)
    client.get("/staff/login/")
    response = client.post(
        "/staff/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": "forged" * 11},
    )
    assert response.status_code == 403
    assert b"could not be accepted" in response.content
    assert "CSRF check failed" in caplog.text
    assert not SignInAttempt.objects.exists()


def invitation_for(alice, departments, **fields) -> Invitation:
    invitation = Invitation.objects.create(
        email="new@example.gov",
        roles=["department-editor"],
        invited_by=alice,
        expires_at=timezone.now() + dt.timedelta(days=7),
        **fields,
    )
    invitation.departments.set([departments["water"]])
    return invitation


ACCEPT = {"username": "nina", "password1": PASSWORD, "password2": PASSWORD}


def test_an_invitation_is_sent_by_email(alice, departments):
    response = signed_in(alice).post(
        "/staff/invitations/",
        {
            "email": "new@example.gov",
            "roles": ["department-editor"],
            "departments": [departments["water"].pk],
        },
    )
    assert response.status_code == 302
    assert "/staff/invitations/" in mail.outbox[0].body


def test_an_invitation_creates_the_account_with_its_roles(alice, departments):
    invitation = invitation_for(alice, departments)
    response = Client().post(link_for(invitation), ACCEPT)
    assert response["Location"] == "/staff/"
    nina = User.objects.get(username="nina")
    assert list(nina.groups.values_list("name", flat=True)) == ["department-editor"]
    assert list(nina.staff_profile.departments.all()) == [departments["water"]]


def test_an_invitation_works_only_once(alice, departments):
    invitation = invitation_for(alice, departments)
    Client().post(link_for(invitation), ACCEPT)
    response = Client().post(link_for(invitation), {**ACCEPT, "username": "other"})
    assert response.status_code == 400
    assert b"already been used" in response.content
    assert not User.objects.filter(username="other").exists()


def test_an_expired_invitation_is_refused(alice, departments, caplog):
    invitation = invitation_for(alice, departments)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = Client().post(link_for(invitation), ACCEPT)
    assert response.status_code == 400
    assert b"expired" in response.content
    assert "refused invitation link" in caplog.text
    assert not User.objects.filter(username="nina").exists()


def test_a_tampered_invitation_link_is_refused(alice, departments):
    invitation = invitation_for(alice, departments)
    token = link_for(invitation).split("/")[3]
    forged = signing.dumps({"invitation": invitation.pk, "email": "x@evil.example"}, key="guess")
    for bad in (token[:-3] + "abc", forged):
        response = Client().post(f"/staff/invitations/{bad}/", ACCEPT)
        assert response.status_code == 400
    assert not User.objects.filter(username="nina").exists()


def test_a_weak_password_is_refused_and_the_username_kept(alice, departments):
    invitation = invitation_for(alice, departments)
    response = Client().post(
        link_for(invitation), {"username": "nina", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 400
    assert b'value="nina"' in response.content
    assert b'aria-describedby="id_password1_helptext id_password1_error"' in response.content


def test_only_an_administrator_may_invite_an_administrator(alice):
    response = signed_in(alice).post(
        "/staff/invitations/", {"email": "boss@example.gov", "roles": ["administrator"]}
    )
    assert response.status_code == 400
    assert b"You may not invite someone as administrator (administrator)" in response.content
    assert not Invitation.objects.exists()
