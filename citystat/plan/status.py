"""Status from targets, and the roll-up of measure statuses to goals and priority areas.

The rules are written for residents in docs/measures.md ("Status" and "Roll-up"); keep
the two in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citystat.lib.periods import FiscalCalendar, Grain, period_length_days
from citystat.plan.models import Goal, Measure, MeasureValue, PriorityArea, Status, Target

POINTS = {Status.ON_TRACK: 2, Status.NEEDS_ATTENTION: 1, Status.OFF_TRACK: 0}
FREQUENCY_GRAIN: dict[str, Grain] = {
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "fiscal_year": "fiscal_year",
    "year": "year",
}


@dataclass
class MeasureStatus:
    status: Status
    value: MeasureValue | None = None
    target: Target | None = None


@dataclass
class RolledUp:
    status: Status
    score: float | None  # mean points, 2 = all on track, 0 = all off track
    counted: int  # measures (or goals) with a judged status


def judge(value: float, target: Target, direction: str) -> Status:
    """Return the status of `value` against `target` for a measure going `direction`."""
    if target.style == Target.Style.BANDS and target.off_track_at is not None:
        if direction == Measure.Direction.LOWER_IS_BETTER:
            if value <= target.value:
                return Status.ON_TRACK
            return Status.OFF_TRACK if value > target.off_track_at else Status.NEEDS_ATTENTION
        if direction == Measure.Direction.HIGHER_IS_BETTER:
            if value >= target.value:
                return Status.ON_TRACK
            return Status.OFF_TRACK if value < target.off_track_at else Status.NEEDS_ATTENTION
    if direction == Measure.Direction.HIGHER_IS_BETTER:
        shortfall = target.value - value
    elif direction == Measure.Direction.LOWER_IS_BETTER:
        shortfall = value - target.value
    else:
        shortfall = abs(value - target.value)
    # A hair of slack so that 0.1 + 0.2 style rounding never flips a status.
    tolerance = target.tolerance + 1e-9
    if shortfall <= tolerance:
        return Status.ON_TRACK
    if shortfall <= 2 * tolerance:
        return Status.NEEDS_ATTENTION
    return Status.OFF_TRACK


def target_in_force(targets: list[Target], fiscal_year: int) -> Target | None:
    """Return the target set for `fiscal_year` or, failing that, the latest earlier one."""
    earlier = [target for target in targets if target.fiscal_year <= fiscal_year]
    return max(earlier, key=lambda target: target.fiscal_year) if earlier else None


def measure_grain(measure: Measure) -> Grain:
    return measure.grain


def is_recent(value: MeasureValue, grain: Grain, today: dt.date) -> bool:
    """Say whether a value's period ended within two periods' length of `today`."""
    return (today - value.period_end).days <= 2 * period_length_days(grain)


def latest_value(measure: Measure) -> MeasureValue | None:
    """Return the newest complete overall value that is known."""
    return (
        MeasureValue.objects.filter(
            measure=measure, breakdown="", is_partial=False, value__isnull=False
        )
        .order_by("-period_start")
        .first()
    )


def status_for(
    measure: Measure,
    value: MeasureValue | None = None,
    calendar: FiscalCalendar | None = None,
    today: dt.date | None = None,
) -> MeasureStatus:
    """Return the measure's status for `value` (default: its latest value)."""
    from citystat.plan.compute.run import city_context

    calendar = calendar or city_context().calendar
    today = today or dt.date.today()
    value = value or latest_value(measure)
    if value is None or value.value is None or not is_recent(value, measure_grain(measure), today):
        return MeasureStatus(Status.NO_RECENT_DATA, value)
    target = target_in_force(list(measure.targets.all()), calendar.fiscal_year_of(value.period_end))
    if target is None:
        return MeasureStatus(Status.NO_TARGET, value)
    return MeasureStatus(judge(value.value, target, measure.direction), value, target)


def roll_up(statuses: list[Status] | list[RolledUp]) -> RolledUp:
    """Combine statuses (or rolled-up scores) into one, by mean points."""
    scores = []
    unjudged = []
    for item in statuses:
        if isinstance(item, RolledUp):
            if item.score is None:
                unjudged.append(item.status)
            else:
                scores.append(item.score)
        elif item in POINTS:
            scores.append(float(POINTS[item]))
        else:
            unjudged.append(item)
    if not scores:
        if unjudged and Status.NO_RECENT_DATA not in unjudged:
            return RolledUp(Status.NO_TARGET, None, 0)
        return RolledUp(Status.NO_RECENT_DATA, None, 0)
    score = sum(scores) / len(scores)
    return RolledUp(status_of_score(score), score, len(scores))


def status_of_score(score: float) -> Status:
    if score >= 1.5:
        return Status.ON_TRACK
    if score >= 0.5:
        return Status.NEEDS_ATTENTION
    return Status.OFF_TRACK


def goal_status(goal: Goal, public_only: bool = False, today: dt.date | None = None) -> RolledUp:
    measures = Measure.objects.filter(objective__goal=goal)
    if public_only:
        measures = measures.filter(is_public=True)
    return roll_up([status_for(measure, today=today).status for measure in measures])


def area_status(
    area: PriorityArea, public_only: bool = False, today: dt.date | None = None
) -> RolledUp:
    return roll_up([goal_status(goal, public_only, today) for goal in area.goals.all()])
