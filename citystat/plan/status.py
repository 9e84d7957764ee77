"""Status from targets, and the roll-up of measure statuses to goals and priority areas.

The rules are written for residents in docs/measures.md ("Status" and "Roll-up"); keep
the two in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from citystat.city.models import CityProfile
from citystat.lib.periods import FiscalCalendar, Grain, period_length_days
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Plan,
    PriorityArea,
    Status,
    Target,
)
from citystat.plan.templatetags.plan_periods import as_of_text

# The thresholds of every status, named once: judge() and roll_up() use them, and the
# "how we measure" page prints them (docs/measures.md explains them to residents).
# A measure within one tolerance of its target is on track; within this many, it needs
# attention; further off, it is off track.
ATTENTION_TOLERANCES = 2.0
# A hair of slack so that 0.1 + 0.2 style rounding never flips a status.
ROUNDING_SLACK = 1e-9
# A goal or area is rolled up from its measures' points: the mean at or above these.
POINTS = {Status.ON_TRACK: 2, Status.NEEDS_ATTENTION: 1, Status.OFF_TRACK: 0}
ON_TRACK_SCORE = 1.5
ATTENTION_SCORE = 0.5
# A value is recent while its period ended within this many periods' length of today.
RECENT_PERIODS = 2
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
    # Judged on a period that is not the current one (historic data, or a plan's `as_of`):
    # pages then say "as of March 2018" beside the status (plan_periods.as_of_text).
    historic: bool = False

    @property
    def as_of(self) -> str:
        """Return "as of March 2018" (in the active language) for a historic status, else ""."""
        if not self.historic or self.value is None:
            return ""
        return as_of_text(self.value.period, self.value.period_start)


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
    tolerance = target.tolerance + ROUNDING_SLACK
    if shortfall <= tolerance:
        return Status.ON_TRACK
    if shortfall <= ATTENTION_TOLERANCES * tolerance:
        return Status.NEEDS_ATTENTION
    return Status.OFF_TRACK


def target_in_force(targets: list[Target], fiscal_year: int) -> Target | None:
    """Return the target set for `fiscal_year` or, failing that, the latest earlier one."""
    earlier = [target for target in targets if target.fiscal_year <= fiscal_year]
    return max(earlier, key=lambda target: target.fiscal_year) if earlier else None


def measure_grain(measure: Measure) -> Grain:
    return measure.grain


def is_recent(value: MeasureValue, grain: Grain, today: dt.date) -> bool:
    """Say whether a value's period ended within RECENT_PERIODS periods' length of `today`."""
    return (today - value.period_end).days <= recent_days(grain)


def recent_days(grain: Grain) -> int:
    """Return how many days after its period a value of `grain` still counts as recent."""
    return RECENT_PERIODS * period_length_days(grain)


def latest_value(measure: Measure, until: dt.date | None = None) -> MeasureValue | None:
    """Return the newest complete overall value that is known (of a period ending by `until`)."""
    values = MeasureValue.objects.filter(
        measure=measure, breakdown="", is_partial=False, value__isnull=False
    )
    if until is not None:
        values = values.filter(period_end__lte=until)
    return values.order_by("-period_start").first()


def plan_as_of(measure: Measure) -> dt.date | None:
    """Return the `as_of` day of the measure's plan, if the plan is a past year's report."""
    if measure.objective_id is None:
        return None
    return (
        Plan.objects.filter(priority_areas__goals__objectives__measures=measure)
        .values_list("as_of", flat=True)
        .first()
    )


def dataset_is_stale(measure: Measure, today: dt.date | None = None) -> bool:
    """Say whether the measure's dataset is overdue by its update frequency (at the end
    of `today`, default now).

    Only then is an old value "no recent data": a dataset that ends in the past but is
    loaded as promised (a historic extract) is judged on its latest complete period.
    """
    if measure.dataset is None:
        return False
    now = None
    if today is not None:
        now = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    return measure.dataset.is_stale(now)


def status_for(
    measure: Measure,
    value: MeasureValue | None = None,
    calendar: FiscalCalendar | None = None,
    today: dt.date | None = None,
) -> MeasureStatus:
    """Return the measure's status for `value` (default: its latest complete value).

    A plan's `as_of` day stands in for `today`, and only periods ending by it count. A
    value older than two periods is still judged, and marked historic ("as of March
    2018"), unless the measure's dataset is overdue by its update frequency: then the
    status is "no recent data". docs/measures.md ("Status") says the same to residents.
    """
    if calendar is None:
        # From the profile, not compute.run's city_context, which would load Ibis and
        # pyarrow into every command that shows a status (#23).
        calendar = CityProfile.current().fiscal_calendar
    if value is not None and value.is_partial:
        # A period the data covers only in part is shown ("partial — 1 of 3 months in"),
        # never judged: one month of a quarter says nothing of the quarter (#20).
        raise ValueError(
            f"{measure.slug} {value.period} is a partial period; only complete periods are judged"
        )
    as_of = plan_as_of(measure)
    reference = as_of or today or dt.date.today()
    value = value or latest_value(measure, until=as_of)
    if value is None or value.value is None:
        return MeasureStatus(Status.NO_RECENT_DATA, value)
    historic = as_of is not None or not is_recent(value, measure_grain(measure), reference)
    if historic and as_of is None and dataset_is_stale(measure, today):
        return MeasureStatus(Status.NO_RECENT_DATA, value)
    target = target_in_force(list(measure.targets.all()), calendar.fiscal_year_of(value.period_end))
    if target is None:
        return MeasureStatus(Status.NO_TARGET, value, historic=historic)
    return MeasureStatus(judge(value.value, target, measure.direction), value, target, historic)


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
    if score >= ON_TRACK_SCORE:
        return Status.ON_TRACK
    if score >= ATTENTION_SCORE:
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
