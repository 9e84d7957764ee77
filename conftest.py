"""The test cast and the isolation every test gets (see STYLE.md, Tests)."""

from __future__ import annotations

import os

import pytest

# Tests never touch a developer's own var/ folder.
os.environ.setdefault("CITYSTAT_HOME", "/tmp/citystat-test-home")


@pytest.fixture(autouse=True)
def isolated_warehouse(settings, tmp_path):
    """Give each test its own DuckDB warehouse file and media folder under tmp_path."""
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "warehouse")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.CITYSTAT_WAREHOUSE


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Start every test with no requests counted against the site's rate limits."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
