from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "citystat.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and audit log"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from citystat.accounts import admin_site, audit, roles, sections

        audit.connect_signals()
        admin_site.restrict_to_administrators()
        sections.register_builtin_sections()
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="citystat-roles-sync")
