from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "citystat.plan"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from citystat.catalog.models import DatasetVersion
        from citystat.plan import checks  # noqa: F401 (registers the portability check)
        from citystat.plan.sections import register_plan_sections
        from citystat.plan.signals import recompute_after_publish

        # The catalog cannot import the plan (imports point one way), so the plan listens.
        post_save.connect(
            recompute_after_publish, sender=DatasetVersion, dispatch_uid="plan-recompute"
        )
        register_plan_sections()
