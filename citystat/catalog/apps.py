from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "citystat.catalog"

    def ready(self) -> None:
        # Registers the warehouse-setting check with Django's system checks.
        from citystat.catalog import checks  # noqa: F401
        from citystat.catalog.sections import register_catalog_sections

        register_catalog_sections()
