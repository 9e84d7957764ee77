from django.apps import AppConfig, apps


class OpsConfig(AppConfig):
    name = "citystat.ops"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from citystat.ops.caches import create_cache_tables

        # Every `citystat migrate` (and the test database's) makes the database cache's
        # tables, so the default cache works on a fresh install without another command.
        # Django sends post_migrate once per app that has models; ops has none, so the
        # handler hangs on jobs, the other piece of shared multi-node state.
        post_migrate.connect(
            create_cache_tables,
            sender=apps.get_app_config("jobs"),
            dispatch_uid="citystat-create-cache-tables",
        )
