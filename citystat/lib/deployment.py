"""Settings for running on several nodes: the shared cache, uploaded files, log format.

Nothing a second web node needs may live in one process's memory or on one machine's
disk (docs/deploying.md). These functions turn the `CITYSTAT_*` variables into Django's
CACHES, STORAGES and LOGGING, failing with a sentence when a value cannot work. Like
citystat.lib.config they import no models, so settings.py can use them.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

from citystat.lib.config import redact_url

# The database cache's tables; `citystat migrate` creates them (citystat.ops.apps).
CACHE_TABLE = "citystat_cache"
RATELIMIT_CACHE_TABLE = "citystat_ratelimit"
# Django culls a third of a database cache once it holds more than MAX_ENTRIES rows; rate
# counts must not vanish that way on a busy day, so their table may grow much larger.
CACHE_MAX_ENTRIES = 50_000
RATELIMIT_MAX_ENTRIES = 1_000_000
LOG_FORMATS = {"text", "json"}


def cache_config(url: str) -> dict[str, dict[str, Any]]:
    """Return CACHES for `CITYSTAT_CACHE_URL`: the app database (default) or Redis.

    Two caches, so clearing cached pages never resets a rate limit: `default` and
    `ratelimit` (citystat/accounts/ratelimit.py). Both are shared by every process and
    node that uses the same database or Redis server.
    """
    scheme = urlsplit(url).scheme if url else ""
    if scheme in ("", "db", "database"):
        return {
            "default": database_cache(CACHE_TABLE, CACHE_MAX_ENTRIES),
            "ratelimit": database_cache(RATELIMIT_CACHE_TABLE, RATELIMIT_MAX_ENTRIES),
        }
    if scheme in ("redis", "rediss", "unix"):
        return {
            "default": redis_cache(url, "citystat"),
            "ratelimit": redis_cache(url, "citystat-ratelimit"),
        }
    if scheme == "memory":
        # One process only: for a development server with a single worker, never a site.
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "ratelimit": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "citystat-ratelimit",
            },
        }
    raise ImproperlyConfigured(
        f"CITYSTAT_CACHE_URL={redact_url(url)!r} is not a cache citystat supports; use "
        "redis://HOST:6379/0 for a shared Redis, or leave it unset for the app database."
    )


def database_cache(table: str, max_entries: int) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": table,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


def require_extra(package: str, extra: str, setting: str, what: str) -> None:
    """Refuse, in one sentence, a setting whose library comes with an extra not installed."""
    if find_spec(package) is None:
        raise ImproperlyConfigured(
            f"{setting} names {what}, but the {package} package is not installed; install "
            f"citystat with the [{extra}] extra (pip install 'citystat[{extra}]')."
        )


def redis_cache(url: str, prefix: str) -> dict[str, Any]:
    require_extra("redis", "redis", "CITYSTAT_CACHE_URL", "a Redis server")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
    }


def media_settings(url: str, home: Path) -> tuple[dict[str, Any], Path]:
    """Return (STORAGES["default"], MEDIA_ROOT) for `CITYSTAT_MEDIA_URL`.

    `s3://BUCKET/PREFIX?endpoint_url=https://…&region=…` keeps uploads in S3-compatible
    object storage (django-storages; credentials come from the usual AWS_* variables or
    the machine's role, never from the URL). `file:///PATH` names a folder, which must be
    shared (NFS) if several nodes accept uploads. Unset: CITYSTAT_HOME/media.
    """
    filesystem = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not url:
        return filesystem, home / "media"
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.path.startswith("/"):
        return filesystem, Path(parts.path)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(
            f"CITYSTAT_MEDIA_URL={redact_url(url)!r} is not a storage citystat supports; use "
            "s3://BUCKET/PREFIX for object storage or file:///PATH for a folder."
        )
    require_extra("storages", "s3", "CITYSTAT_MEDIA_URL", "S3 object storage")
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "CITYSTAT_MEDIA_URL must not hold credentials; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or give the machine a role) instead."
        )
    if not parts.hostname:
        raise ImproperlyConfigured(
            f"CITYSTAT_MEDIA_URL={url!r} names no bucket; write s3://BUCKET/PREFIX."
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"endpoint_url", "region"})
    if unknown:
        raise ImproperlyConfigured(
            f"CITYSTAT_MEDIA_URL has unknown option(s) {', '.join(unknown)}; "
            "it accepts endpoint_url and region."
        )
    options: dict[str, Any] = {
        "bucket_name": parts.hostname,
        "location": parts.path.strip("/"),
        # Uploads are staff files: private, handed out through short-lived signed URLs.
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if "endpoint_url" in query:
        options["endpoint_url"] = query["endpoint_url"]
    if "region" in query:
        options["region_name"] = query["region"]
    # MEDIA_ROOT is unused with object storage; backups say they do not copy it.
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, home / "media"


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Return LOGGING: one line per record on stderr, as text or JSON, with the request id."""
    log_format = log_format.strip().lower()
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"CITYSTAT_LOG_FORMAT={log_format!r} is not a log format; use text or json."
        )
    formatter = (
        {"()": "citystat.lib.logs.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": "citystat.accounts.logs.RedactSecrets"},
            "request_id": {"()": "citystat.lib.logs.RequestIdFilter"},
        },
        "formatters": {"citystat": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id", "redact"],
                "formatter": "citystat",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
