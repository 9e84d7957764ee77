"""Turn `CITYSTAT_EMAIL_URL` into Django's email settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from citystat.lib.config import redact_url


def email_config(url: str, home: Path) -> dict[str, object]:
    """Return EMAIL_* settings for `url`: console:, file:///PATH, smtp:// or smtps://."""
    if not url or url == "console:":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme == "file":
        folder = Path(unquote(parts.path)) if parts.path else home / "mail"
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder),
        }
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ImproperlyConfigured(
                f"CITYSTAT_EMAIL_URL={redact_url(url)!r} names no mail server; "
                "use smtp://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465."
            )
        query = parse_qs(parts.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": parts.scheme == "smtp" and query.get("tls", ["1"])[0] != "0",
            "EMAIL_TIMEOUT": 20,
        }
    raise ImproperlyConfigured(
        f"CITYSTAT_EMAIL_URL={redact_url(url)!r} is not a mail setting citystat knows; "
        "use console:, file:///PATH, smtp://USER:PASSWORD@HOST:587 or smtps://…:465."
    )
