from typing import Any

from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "citystat.plan"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from citystat.accounts.permissions import register_department_lookup
        from citystat.catalog.models import DatasetVersion
        from citystat.jobs import queue
        from citystat.plan import (
            checks,  # noqa: F401 (registers the portability check)
            revision,
        )
        from citystat.plan.models import Goal, GoalNarrative
        from citystat.plan.sections import register_plan_sections
        from citystat.plan.signals import RECOMPUTE, recompute, recompute_after_publish

        register_department_lookup(Goal, goal_department)
        register_department_lookup(GoalNarrative, lambda narrative: goal_department(narrative.goal))
        register_plan_sections()
        revision.watch()
        revision.watch_writes()

        # The catalog cannot import the plan (imports point one way), so the plan listens.
        post_save.connect(
            recompute_after_publish, sender=DatasetVersion, dispatch_uid="plan-recompute"
        )
        queue.register(RECOMPUTE, recompute)


def goal_department(goal: Any) -> int | None:
    """Return the department of every measure of the goal, or None when they differ.

    A department editor may edit a goal only when it is wholly their department's
    (docs/plan.md, "The plan editor"); a shared goal is the performance office's.
    """
    from citystat.plan.models import Measure

    departments = set(
        Measure.objects.filter(objective__goal=goal).values_list("department_id", flat=True)
    )
    return departments.pop() if len(departments) == 1 else None
