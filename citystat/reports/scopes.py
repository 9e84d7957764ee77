"""What can be exported: the current plan, its priority areas and goals, and its years."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from citystat.plan.models import Goal, Plan, PriorityArea
from citystat.reports.content import report_calendar


@dataclass(frozen=True)
class ExportScope:
    kind: str
    slug: str
    title: str
    public: int
    internal: int
    depth: int = 0

    @property
    def value(self) -> str:
        return f"{self.kind}/{self.slug}"


PUBLIC = Count("objectives__measures", filter=Q(objectives__measures__is_public=True))
INTERNAL = Count("objectives__measures", filter=Q(objectives__measures__is_public=False))


def export_scopes() -> list[ExportScope]:
    """Return the current plan, then each area followed by its goals, with measure counts."""
    plan = Plan.current()
    if plan is None:
        return []
    goals = (
        Goal.objects.filter(priority_area__plan=plan)
        .annotate(public=PUBLIC, internal=INTERNAL)
        .order_by("position", "title")
    )
    by_area: dict[int, list[ExportScope]] = {}
    for goal in goals:
        by_area.setdefault(goal.priority_area_id, []).append(
            ExportScope("goal", goal.slug, goal.title, goal.public, goal.internal, 2)
        )
    scopes: list[ExportScope] = []
    for area in PriorityArea.objects.filter(plan=plan).order_by("position", "title"):
        children = by_area.get(area.pk, [])
        scopes.append(
            ExportScope(
                "area",
                area.slug,
                area.title,
                sum(child.public for child in children),
                sum(child.internal for child in children),
                1,
            )
        )
        scopes += children
    areas = [scope for scope in scopes if scope.kind == "area"]
    whole = ExportScope(
        "plan",
        plan.slug,
        plan.title,
        sum(scope.public for scope in areas),
        sum(scope.internal for scope in areas),
    )
    return [whole, *scopes]


def fiscal_years(plan: Plan | None = None) -> list[tuple[str, bool]]:
    """Return the plan's fiscal years as ("FY2026", is this year or the plan's nearest)."""
    plan = plan or Plan.current()
    if plan is None:
        return []
    first, last = plan.first_fiscal_year, plan.last_fiscal_year
    this_year = report_calendar().fiscal_year_of(timezone.localdate())
    default = min(max(this_year, first), last)
    return [(f"FY{year}", year == default) for year in range(first, last + 1)]
