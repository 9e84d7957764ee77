"""What a target change would do to a measure's status, period by period, before it is saved.

Each recent complete period is judged twice with status.py's own `target_in_force` and
`judge`: once against the targets as stored, once with the proposed target in place of
the stored one for its fiscal year. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from citystat.city.models import CityProfile
from citystat.plan.models import Measure, MeasureValue, Status, Target
from citystat.plan.status import judge, target_in_force

# How many of the newest complete periods the preview shows.
RECENT_PERIODS = 8


@dataclass(frozen=True)
class PeriodEffect:
    period: str
    value: float
    before: Status
    after: Status

    @property
    def changed(self) -> bool:
        return self.before != self.after


def status_against(value: float, targets: list[Target], fiscal_year: int, direction: str) -> Status:
    target = target_in_force(targets, fiscal_year)
    return Status.NO_TARGET if target is None else judge(value, target, direction)


def target_effect(
    measure: Measure, proposed: Target, periods: int = RECENT_PERIODS
) -> list[PeriodEffect]:
    """Return, newest first, each recent period's status before → after `proposed`."""
    calendar = CityProfile.current().fiscal_calendar
    stored = list(Target.objects.filter(measure=measure))
    changed = [t for t in stored if t.fiscal_year != proposed.fiscal_year] + [proposed]
    values = MeasureValue.objects.filter(
        measure=measure, breakdown="", is_partial=False, value__isnull=False
    ).order_by("-period_start")[:periods]
    effects = []
    for row in values:
        if row.value is None:  # excluded by the query; this tells the type checker
            continue
        year = calendar.fiscal_year_of(row.period_end)
        effects.append(
            PeriodEffect(
                row.period,
                row.value,
                status_against(row.value, stored, year, measure.direction),
                status_against(row.value, changed, year, measure.direction),
            )
        )
    return effects
