"""Signed inbound webhooks: any social-media tool can post residents' questions to citystat.

The sender signs `<timestamp>.<raw body>` with HMAC-SHA256 and the secret citystat holds
for that source (`CITYSTAT_WEBHOOK_SECRETS`, docs/engagement.md), and sends

    X-Citystat-Timestamp: <unix seconds>
    X-Citystat-Signature: sha256=<hex digest>

The timestamp must be within `TOLERANCE_SECONDS` of now, so a captured request cannot be
replayed later; inside that window the post's own id (`id` in the body) makes a second
delivery store nothing new. Nothing is read from the body before the signature checks.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings

TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Citystat-Signature"
TIMESTAMP_HEADER = "X-Citystat-Timestamp"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    status: int = 200
    reason: str = ""


def webhook_secrets() -> dict[str, str]:
    """Return {source: secret} from `CITYSTAT_WEBHOOK_SECRETS` (`source=secret,…`)."""
    configured = getattr(settings, "CITYSTAT_WEBHOOK_SECRETS", "")
    return parse_secrets(configured) if isinstance(configured, str) else dict(configured)


def parse_secrets(text: str) -> dict[str, str]:
    """Read `source=secret,source2=secret2` into a dict; blank entries are skipped."""
    secrets: dict[str, str] = {}
    for entry in text.split(","):
        source, _, secret = entry.strip().partition("=")
        if source.strip() and secret.strip():
            secrets[source.strip()] = secret.strip()
    return secrets


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the header value a sender puts in X-Citystat-Signature."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    source: str, body: bytes, signature: str, timestamp: str, now: float | None = None
) -> Verdict:
    """Check a delivery's signature and freshness; 401 when unsigned, 403 when wrong."""
    secret = webhook_secrets().get(source)
    if not secret:
        return Verdict(False, 403, "unknown source")
    if not signature or not timestamp:
        return Verdict(False, 401, f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    try:
        sent_at = int(timestamp)
    except ValueError:
        return Verdict(False, 401, f"{TIMESTAMP_HEADER} is not a whole number of seconds")
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return Verdict(False, 403, "timestamp too old or in the future")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8")):
        return Verdict(False, 403, "signature does not match")
    return Verdict(True)
