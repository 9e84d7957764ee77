"""`citystat upgrade`: bring a home built by an earlier release up to this one.

The steps run in the order each needs the one before: the tables first (migrations),
then the static files the new templates link, then the cached pages the old templates
rendered, then the measures whose definitions changed. Each step is a no-op when there
is nothing to do, so running it twice is safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from citystat import __version__
from citystat.lib.errors import CitystatError
from citystat.ops.server import collect_static_if_changed

# The release that last upgraded (or built) the home, so that an older citystat never
# runs on a home a newer one has changed.
RELEASE_FILE = "citystat-release"


class NewerHome(CitystatError):
    pass


@dataclass
class UpgradeReport:
    migrations: list[str] = field(default_factory=list)
    static_collected: bool = False
    previous_release: str | None = None
    steps: list[str] = field(default_factory=list)


def release_key(release: str) -> tuple[int, ...]:
    """Return a release's numbers for comparing ('0.10.1' after '0.9.3')."""
    return tuple(int(number) for number in re.findall(r"\d+", release)[:3])


def release_file() -> Path:
    return Path(settings.CITYSTAT_HOME) / RELEASE_FILE


def home_release() -> str | None:
    path = release_file()
    return path.read_text(encoding="utf-8").strip() or None if path.is_file() else None


def refuse_a_newer_home() -> None:
    """Raise NewerHome when a later release built or upgraded this home."""
    recorded = home_release()
    if recorded and release_key(recorded) > release_key(__version__):
        raise NewerHome(
            f"the home {settings.CITYSTAT_HOME} was upgraded by citystat {recorded}, newer "
            f"than this citystat {__version__}; install citystat {recorded} or later to use it."
        )
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    unknown = sorted(
        f"{app}.{name}"
        for app, name in loader.applied_migrations
        if app in loader.migrated_apps and (app, name) not in loader.disk_migrations
    )
    if unknown:
        raise NewerHome(
            f"the database of the home {settings.CITYSTAT_HOME} has migrations this citystat "
            f"{__version__} does not know ({', '.join(unknown[:3])}"
            f"{' …' if len(unknown) > 3 else ''}): a newer release changed it; install that "
            "release or later."
        )


def pending_migrations() -> list[str]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(
        f"{app}.{name}"
        for app, name in loader.disk_migrations
        if (app, name) not in loader.applied_migrations
    )


def upgrade(say: Callable[[str], None] = lambda line: None) -> UpgradeReport:
    """Run every upgrade step in order; refuse a home from a newer release first."""
    refuse_a_newer_home()
    report = UpgradeReport(previous_release=home_release())
    report.migrations = pending_migrations()
    call_command("migrate", interactive=False, verbosity=0)
    say(f"Tables: {len(report.migrations)} migrations applied.")
    # Entries written before the audit log was keyed are sealed under the key once;
    # a later run finds nothing to seal. A log that does not verify stops the upgrade.
    call_command("audit", "upgrade", stdout=StringIO())
    say("Audit log: signed with the audit key.")
    report.static_collected = collect_static_if_changed()
    say("Static files collected." if report.static_collected else "Static files are current.")
    # Pages cached by the old release were rendered from its templates. Only the page
    # cache: the rate-limit cache keeps its counts.
    caches["default"].clear()
    say("Cached pages cleared.")
    call_command("compute", changed=True)
    release_file().write_text(__version__ + "\n", encoding="utf-8")
    say(f"This home is now at citystat {__version__}.")
    return report
