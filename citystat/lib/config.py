"""Read configuration from environment variables, failing loudly on bad values.

Nothing here imports Django models, so `settings.py` can use it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}
SUPPORTED_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; set it to 1 or 0 (or true/false)."
    )


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def citystat_home() -> Path:
    """Return the folder that holds all local state, creating nothing."""
    return Path(os.environ.get("CITYSTAT_HOME", "var")).expanduser().resolve()


# Write-ahead logging lets readers go on while a request writes, and synchronous=NORMAL
# syncs at checkpoints instead of at every commit: a rate-limit count or a session save
# no longer waits for the disk (a SODA answer writes three counts). A power cut can lose
# the last commits, never corrupt the file.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database_config(url: str | None, home: Path) -> dict[str, Any]:
    """Turn `DATABASE_URL` into Django's DATABASES entry, with a clear error when broken."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(home / "citystat.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    scheme = urlsplit(url).scheme
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact_url(url)!r} is not a database citystat supports; "
            "use postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:///PATH, "
            "or unset it to use SQLite under CITYSTAT_HOME."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact_url(url)!r} cannot be read ({error}); "
            "use postgres://USER:PASSWORD@HOST:5432/NAME."
        ) from None
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact_url(url)!r} names no database; add /NAME at the end."
        )
    if config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return dict(config)


def redact_url(url: str) -> str:
    """Hide the password in a connection URL before it reaches a message or a log."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def is_local_host(host: str) -> bool:
    return host.strip().lower() in LOCAL_HOSTS or host.startswith("127.")
