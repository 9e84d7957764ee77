"""Forged or altered cookies are refused, logged with the IP and request id, and change
nothing (#10, bad input)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone

from citystat.accounts.models import SignInAttempt
from citystat.accounts.testing import PASSWORD

REQUEST_ID = "matrix-request-0001"


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.WARNING, logger="citystat.security")
    return caplog


def signed_in_client(username: str) -> Client:
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_X_REQUEST_ID=REQUEST_ID)
    response = client.post("/staff/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_an_altered_session_cookie_is_refused_and_logged(alice, settings, security_log):
    client = signed_in_client("alice")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    cookie.set(cookie.key, cookie.value[:-2] + "xx", cookie.value[:-2] + "xx")
    response = client.get("/staff/")
    assert response["Location"].startswith("/staff/login/")
    assert "refused session cookie on GET /staff/" in security_log.text
    assert f"ip=198.51.100.23 request={REQUEST_ID}" in security_log.text
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""


def test_an_expired_session_is_not_called_forged(alice, settings, security_log):
    client = signed_in_client("alice")
    Session.objects.update(expire_date=timezone.now())
    assert client.get("/staff/")["Location"].startswith("/staff/login/")
    assert "refused session cookie" not in security_log.text


def forged_messages_cookie() -> str:
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    good = storage._encode(  # type: ignore[attr-defined]
        [Message(constants.SUCCESS, "Saved.")]
    )
    return good[:-3] + "abc"


def test_an_altered_messages_cookie_is_not_shown_and_is_logged(alice, security_log):
    client = signed_in_client("alice")
    client.cookies["messages"] = forged_messages_cookie()
    response = client.get("/staff/")
    assert response.status_code == 200
    assert b"Saved." not in response.content
    assert "refused messages cookie on GET /staff/: its signature does not match" in (
        security_log.text
    )
    assert f"request={REQUEST_ID}" in security_log.text
    assert response.cookies["messages"].value == ""


def test_a_genuine_messages_cookie_is_shown_and_not_logged(alice, security_log):
    client = signed_in_client("alice")
    request = RequestFactory().get("/")
    client.cookies["messages"] = CookieStorage(request)._encode(  # type: ignore[attr-defined]
        [Message(constants.SUCCESS, "Saved.")]
    )
    assert b"Saved." in client.get("/staff/").content
    assert "refused" not in security_log.text


def test_an_altered_csrf_cookie_is_refused_logged_and_changes_nothing(alice, security_log):
    client = Client(
        enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.23", HTTP_X_REQUEST_ID=REQUEST_ID
    )
    client.get("/staff/login/")
    token = client.cookies["csrftoken"].value
    client.cookies["csrftoken"] = "A" * len(token)
    response = client.post(
        "/staff/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 403
    assert "CSRF check failed" in security_log.text
    assert f"ip=198.51.100.23 request={REQUEST_ID}" in security_log.text
    assert not SignInAttempt.objects.exists()
    assert "_auth_user_id" not in client.session
