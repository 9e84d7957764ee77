"""The installed citystat's version, as backups, feeds and API responses record it."""

from __future__ import annotations

from importlib import metadata


def citystat_version() -> str:
    """Return the installed distribution's version, or "unknown" in an uninstalled checkout."""
    try:
        return metadata.version("citystat")
    except metadata.PackageNotFoundError:
        return "unknown"
