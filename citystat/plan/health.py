"""Plan health: the SMART check staff run before a plan goes public."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citystat.city.models import CityProfile
from citystat.plan.models import Goal, Measure, MeasureValue, Narrative, Plan
from citystat.plan.status import latest_value


@dataclass(frozen=True)
class Gap:
    element: str  # "goal fix-streets" or "measure potholes-7-days"
    problem: str


def plan_health(plan: Plan, today: dt.date | None = None) -> list[Gap]:
    """Return every goal or measure lacking a target, timeframe, baseline, source, owner,
    or latest narrative, and every measure whose data is stale."""
    gaps: list[Gap] = []
    today = today or dt.date.today()
    calendar = CityProfile.current().fiscal_calendar
    for goal in Goal.objects.filter(priority_area__plan=plan).prefetch_related(
        "objectives__measures"
    ):
        if not Measure.objects.filter(objective__goal=goal).exists():
            gaps.append(Gap(f"goal {goal.slug}", "has no measure, so progress cannot be shown"))
    measures = Measure.objects.filter(objective__goal__priority_area__plan=plan)
    for measure in measures.select_related("dataset", "department").prefetch_related("targets"):
        gaps += measure_gaps(measure, plan, today, calendar.fiscal_year_of(today))
    return gaps


def measure_gaps(measure: Measure, plan: Plan, today: dt.date, this_year: int) -> list[Gap]:
    where = f"measure {measure.slug}"
    problems = []
    targets = list(measure.targets.all())
    if not targets:
        problems.append("has no target")
    elif max(target.fiscal_year for target in targets) < min(this_year, plan.last_fiscal_year):
        problems.append("has no target for this fiscal year (no timeframe)")
    if measure.baseline_value is None:
        problems.append("has no baseline")
    if measure.is_manual and not measure.data_source:
        problems.append("has no data source: neither a spec nor a described source")
    if measure.department is None and not measure.owner_name:
        problems.append("has no owner (department or person)")
    latest = latest_value(measure)
    if latest is None:
        problems.append("has no values yet")
    elif not Narrative.objects.filter(measure=measure, period=latest.period).exists():
        problems.append(f"has no narrative for its latest period, {latest.period}")
    overall = MeasureValue.objects.filter(measure=measure, breakdown="")
    if (
        not measure.is_manual
        and overall.exists()
        and not overall.exclude(value=0).exclude(value__isnull=True).exists()
    ):
        # Valid, but the filter or condition matches nothing (a misspelled category).
        problems.append(
            "finds no data: every computed value is empty or 0; check the values its "
            "filter compares with"
        )
    if measure.dataset is not None and measure.dataset.is_stale():
        problems.append(f"reads stale data: {measure.dataset.slug} is overdue for a refresh")
    return [Gap(where, problem) for problem in problems]
