"""Security headers on every kind of page, production checks, upload limits, clean logs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citystat.accounts.logs import RedactSecrets
from citystat.accounts.models import SignInAttempt
from citystat.accounts.testing import PASSWORD, signed_in

HTML_PAGES = {
    "home": (None, "/"),
    "not found": (None, "/no-such-page/"),
    "staff sign-in": (None, "/staff/login/"),
    "password reset": (None, "/staff/password-reset/"),
    "refused invitation": (None, "/staff/invitations/forged/"),
    "workspace": ("alice", "/staff/"),
    "refused staff page": ("carol", "/staff/"),
    "audit log": ("dana", "/staff/audit/"),
    "django admin": ("dana", "/admin/"),
}


def client_for(cast, who) -> Client:
    return signed_in(cast[who]) if who else Client()


@pytest.mark.parametrize("page", HTML_PAGES)
def test_every_kind_of_page_sends_the_security_headers(cast, page):
    who, path = HTML_PAGES[page]
    response = client_for(cast, who).get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_downloads_and_health_checks_are_not_sniffed(cast):
    for who, path in [("dana", "/staff/audit.csv"), (None, "/healthz")]:
        response = client_for(cast, who).get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path


def test_https_sites_send_hsts(cast, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/staff/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_session_and_csrf_cookies_are_httponly_and_same_site(alice, settings):
    client = Client()
    client.get("/staff/login/")
    client.post("/staff/login/", {"username": "alice", "password": PASSWORD})
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def production_environment(tmp_path, https: bool) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CITYSTAT_", "DJANGO_")) and key != "DATABASE_URL"
    }
    environment.update(
        CITYSTAT_HOME=str(tmp_path),
        CITYSTAT_ALLOWED_HOSTS="stat.example.gov",
        CITYSTAT_SECRET_KEY="a-production-key-that-is-long-and-random-0123456789abcdef",
    )
    if https:
        environment["CITYSTAT_HTTPS"] = "1"
    return environment


def check_deploy(tmp_path, https: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citystat", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_environment(tmp_path, https),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    result = check_deploy(tmp_path, https=True)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_a_production_site_without_https(tmp_path):
    result = check_deploy(tmp_path, https=False)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


def test_an_oversized_upload_is_refused_before_it_is_read(alice, settings, caplog):
    settings.CITYSTAT_MAX_UPLOAD_BYTES = 10_000
    upload = SimpleUploadedFile("big.csv", b"x" * 20_000, content_type="text/csv")
    response = Client().post(
        "/staff/login/", {"username": "alice", "password": PASSWORD, "file": upload}
    )
    assert response.status_code == 413
    assert b"too large" in response.content
    assert "exceeds 10000" in caplog.text
    assert not SignInAttempt.objects.exists()


def test_an_oversized_form_field_is_refused(alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post("/staff/login/", {"username": "alice", "password": "x" * 5000})
    assert response.status_code == 400
    assert not SignInAttempt.objects.exists()


def redacted(message: str) -> str:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, message, None, None)
    RedactSecrets().filter(record)
    return record.getMessage()


def test_passwords_in_urls_never_reach_the_log():
    line = redacted("cannot connect to postgres://citystat:hunter2secret@db:5432/citystat")
    assert "hunter2secret" not in line
    assert "postgres://citystat:***@db:5432/citystat" in line


def test_named_secrets_never_reach_the_log():
    line = redacted("retrying with password=hunter2 token: abc123 and secret_key='k3y'")
    assert "hunter2" not in line and "abc123" not in line and "k3y" not in line


def test_a_failed_sign_in_logs_the_name_but_not_the_password(alice, caplog):
    Client().post("/staff/login/", {"username": "alice", "password": "hunter2-not-it"})
    assert "alice" in caplog.text
    assert "hunter2-not-it" not in caplog.text


@pytest.mark.urls("citystat.accounts.tests.embed_urls")
def test_only_embed_pages_may_be_framed(db):
    embed = Client().get("/embed/chart/")
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed
    assert "script-src 'self'" in embed["Content-Security-Policy"]
    other = Client().get("/staff/login/")
    assert "frame-ancestors 'none'" in other["Content-Security-Policy"]
