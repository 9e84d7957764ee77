"""API tokens: issued by staff, hashed at rest, shown once, revocable, audited."""

from __future__ import annotations

import datetime as dt
import logging

from django.test import RequestFactory
from django.utils import timezone

from citystat.accounts.models import ApiToken, AuditEntry
from citystat.accounts.sections import your_account
from citystat.accounts.testing import signed_in
from citystat.accounts.tokens import hash_key, issue_token, key_from, revoke, token_for_key


def test_a_token_is_stored_only_as_its_hash(alice):
    token, key = issue_token(alice, "Dashboard")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("cst_") and len(key) > 40
    assert stored.key_hash == hash_key(key)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert key.startswith(stored.prefix)


def test_a_live_key_finds_its_token(alice):
    token, key = issue_token(alice, "Dashboard", ApiToken.Scope.WRITE)
    assert token_for_key(key) == token
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_expired_unknown_and_former_staff_keys_are_refused_and_logged(
    alice, bob, carol, caplog
):
    revoked, revoked_key = issue_token(alice, "Old")
    revoke(revoked)
    expired, expired_key = issue_token(bob, "Short", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    _, former_key = issue_token(carol, "Carol has no role")
    request = RequestFactory().get("/api/v1/measures", REMOTE_ADDR="198.51.100.4")
    with caplog.at_level(logging.WARNING, logger="citystat.security"):
        for key in (revoked_key, expired_key, former_key, "cst_made-up", "not-even-ours"):
            assert token_for_key(key, request) is None
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5
    assert all("ip=198.51.100.4" in m and "/api/v1/measures" in m for m in messages)
    assert not any(revoked_key in m or expired_key in m for m in messages)


def test_both_the_token_header_and_socratas_app_token_are_read():
    factory = RequestFactory()
    assert key_from(factory.get("/", HTTP_AUTHORIZATION="Token cst_abc")) == "cst_abc"
    assert key_from(factory.get("/", HTTP_AUTHORIZATION="Bearer cst_abc")) == "cst_abc"
    assert key_from(factory.get("/", HTTP_X_APP_TOKEN="cst_xyz")) == "cst_xyz"
    assert key_from(factory.get("/", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")) is None


def test_staff_issue_a_token_and_see_its_key_once(bob):
    client = signed_in(bob)
    response = client.post(
        "/staff/api-tokens/", {"name": "Water dashboard", "scope": "write", "days": "90"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=bob)
    key = response.context["new_key"]
    assert token.key_hash == hash_key(key)
    assert key.encode() in response.content
    assert token.scope == "write" and token.expires_at is not None
    again = client.get("/staff/api-tokens/")
    assert key.encode() not in again.content and token.prefix.encode() in again.content


def test_a_bad_form_keeps_what_was_typed_and_names_the_field(bob):
    response = signed_in(bob).post(
        "/staff/api-tokens/", {"name": "Water dashboard", "scope": "write", "days": "9999"}
    )
    assert response.status_code == 400
    assert b'value="Water dashboard"' in response.content
    assert b"id_days_error" in response.content
    assert not ApiToken.objects.exists()


def test_issuing_and_revoking_are_audited_without_the_hash(bob):
    client = signed_in(bob)
    client.post("/staff/api-tokens/", {"name": "Water dashboard", "scope": "read"})
    token = ApiToken.objects.get(user=bob)
    created = AuditEntry.objects.filter(object_type="accounts.apitoken", action="create").get()
    assert created.username == "bob"
    assert created.changes["key_hash"] == [None, "[secret]"] or "[secret]" in str(created.changes)
    assert token.key_hash not in str(created.changes)
    client.post(f"/staff/api-tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEntry.objects.filter(object_type="accounts.apitoken", action="update").exists()


def test_only_the_owner_or_an_administrator_revokes_a_token(alice, bob, dana):
    token, _ = issue_token(alice, "Alice's")
    assert signed_in(bob).post(f"/staff/api-tokens/{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert signed_in(dana).post(f"/staff/api-tokens/{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_others_tokens_are_not_listed_except_to_administrators(alice, bob, dana):
    issue_token(alice, "Alice's dashboard")
    assert b"Alice&#x27;s dashboard" not in signed_in(bob).get("/staff/api-tokens/").content
    assert b"Alice&#x27;s dashboard" in signed_in(dana).get("/staff/api-tokens/").content


def test_the_workspace_asks_about_expiring_and_forgotten_tokens(alice):
    issue_token(alice, "Fresh", days=365)
    issue_token(alice, "Ending", days=3)
    forgotten, _ = issue_token(alice, "Forgotten")
    ApiToken.objects.filter(pk=forgotten.pk).update(
        created_at=timezone.now() - dt.timedelta(days=120)
    )
    items = [item for item in your_account(alice) if "API token" in item.label]
    # Oldest first: the forgotten one was issued 120 days ago.
    assert [item.label for item in items] == ["API token “Forgotten”", "API token “Ending”"]
    assert "Unused for 90 days" in items[0].detail and "Expires" in items[1].detail
    home = signed_in(alice).get("/staff/")
    assert "API token “Forgotten”".encode() in home.content
