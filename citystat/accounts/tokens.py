"""API tokens: issued by staff, stored hashed, shown once, revocable (docs/security.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from citystat.accounts.context import client_ip
from citystat.accounts.models import ApiToken
from citystat.accounts.roles import is_staff_member

logger = logging.getLogger("citystat.security")

# Every key starts with this, so secret scanners (and people) recognise a leaked one.
KEY_PREFIX = "cst_"
SHOWN_PREFIX_LENGTH = 12
# last_used_at is a hint for staff, not a log: write it at most this often per token.
USE_NOTED_EVERY = dt.timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(
    user: Any, name: str, scope: str = ApiToken.Scope.READ, *, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its key, which is never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        scope=scope,
        prefix=key[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_key(key),
        expires_at=expires_at,
    )
    return token, key


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def key_from(request: HttpRequest) -> str | None:
    """Return the key a request presents: `Authorization: Token …` or Socrata's X-App-Token."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    app_token = request.headers.get("X-App-Token", "").strip()
    return app_token or None


def token_for_key(key: str, request: HttpRequest | None = None) -> ApiToken | None:
    """Return the live token `key` names, or None (logged) if it is unknown, expired,
    revoked, or its owner is no longer active staff."""
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if key.startswith(KEY_PREFIX)
        else None
    )
    now = timezone.now()
    problem = None
    if token is None:
        problem = "unknown key"
    elif token.revoked_at is not None:
        problem = f"revoked token {token.prefix}"
    elif token.expires_at is not None and token.expires_at <= now:
        problem = f"expired token {token.prefix}"
    elif not token.user.is_active or not is_staff_member(token.user):
        problem = f"token {token.prefix} of {token.user} who is no longer staff"
    if problem:
        path = request.path if request is not None else ""
        logger.warning("refused API key on %s: %s ip=%s", path, problem, client_ip(request))
        return None
    assert token is not None
    if token.last_used_at is None or now - token.last_used_at > USE_NOTED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# A token unused this long is probably forgotten: staff are asked to revoke it.
UNUSED_FOR = dt.timedelta(days=90)
EXPIRY_WARNING = dt.timedelta(days=14)


def tokens_needing_attention(user: Any) -> list[tuple[ApiToken, str]]:
    """Return the person's live tokens that expire within two weeks or look forgotten."""
    now = timezone.now()
    live = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).exclude(
        expires_at__lte=now
    )
    found = []
    for token in live.order_by("created_at"):
        if token.expires_at is not None and token.expires_at - now <= EXPIRY_WARNING:
            found.append((token, f"Expires {token.expires_at:%Y-%m-%d}; issue a new one"))
        elif (token.last_used_at or token.created_at) <= now - UNUSED_FOR:
            found.append(
                (token, f"Unused for {UNUSED_FOR.days} days; revoke it if nothing needs it")
            )
    return found
