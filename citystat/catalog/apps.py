import sqlite3

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "citystat.catalog"

    def ready(self) -> None:
        # Registers the warehouse-setting check with Django's system checks.
        from citystat.accounts import backup
        from citystat.catalog import checks  # noqa: F401
        from citystat.catalog.sections import register_catalog_sections

        # A backup never carries a half load (citystat/accounts/backup.py).
        backup.snapshot_hooks.append(_fail_loads_in_snapshot)
        backup.restore_hooks.append(_fail_loads_after_restore)
        register_catalog_sections()


# The hooks import catalog.versions only when a backup runs: it loads the warehouse
# engines (Ibis, pyarrow), which no other command should pay for at start-up (#23).
def _fail_loads_in_snapshot(snapshot: sqlite3.Connection) -> list[str]:
    from citystat.catalog.versions import fail_loads_in_snapshot

    return fail_loads_in_snapshot(snapshot)


def _fail_loads_after_restore() -> None:
    from citystat.catalog.versions import fail_loads_after_restore

    fail_loads_after_restore()
