"""The shared cache: its database tables and a reachability check for `/readyz`."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS


def create_cache_tables(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Create the database cache tables CACHES names, if missing (a no-op for Redis)."""
    call_command("createcachetable", database=using, verbosity=0)


def check_caches() -> str:
    """Write, read and delete a key in every configured cache; "ok" or what failed."""
    for alias in caches:
        cache = caches[alias]
        key = f"citystat:readyz:{uuid.uuid4().hex}"
        try:
            cache.set(key, "1", timeout=30)
            readable = cache.get(key) == "1"
            cache.delete(key)
        except Exception as error:  # noqa: BLE001 — any failure means "not ready", with its name
            return f"error: {alias}: {type(error).__name__}"
        if not readable:
            return f"error: {alias}: a value written could not be read back"
    return "ok"
