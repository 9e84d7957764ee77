from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "citystat.catalog"

    def ready(self) -> None:
        # Registers the warehouse-setting check with Django's system checks.
        from citystat.accounts import backup
        from citystat.catalog import checks  # noqa: F401
        from citystat.catalog.versions import fail_loads_after_restore, fail_loads_in_snapshot

        # A backup never carries a half load (citystat/accounts/backup.py).
        backup.snapshot_hooks.append(fail_loads_in_snapshot)
        backup.restore_hooks.append(fail_loads_after_restore)
