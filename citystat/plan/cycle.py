"""The reporting cycle: what each measure owes for its latest complete period, and when.

A measure reports by its grain (its frequency, or its spec's grain). Its latest complete
period on a day is the period before the one that day falls in, in the city's fiscal
calendar (citystat/lib/periods.py). The narrative for it, and for a measure whose values
staff enter the value too, are due `DUE_AFTER_DAYS[grain]` days after the period ends.

A measure's duty for the period is
- done: its narrative is approved (and its entered value is there);
- in review: the department's part is in and the performance office has not decided;
- returned: the performance office sent the narrative back with comments;
- due / overdue: something is missing, before / after the due day.

docs/plan.md ("The reporting cycle") says the same to staff; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from citystat.accounts.backends import department_ids_of
from citystat.city.models import CityProfile
from citystat.lib.periods import FiscalCalendar, Grain, Period, period_of, previous_period
from citystat.plan.models import Measure, MeasureValue, Narrative

# Days after a period ends that its narrative (and entered value) are due.
DUE_AFTER_DAYS: dict[Grain, int] = {
    "day": 1,
    "week": 3,
    "month": 15,
    "quarter": 30,
    "fiscal_year": 60,
    "year": 60,
}

DONE = "done"
IN_REVIEW = "in_review"
RETURNED = "returned"
DUE = "due"
OVERDUE = "overdue"
# What a department still has to act on ("what needs me", reminders).
OPEN = (DUE, OVERDUE, RETURNED)
STATE_LABELS = {
    DONE: "Done",
    IN_REVIEW: "Waiting for review",
    RETURNED: "Returned with comments",
    DUE: "Due",
    OVERDUE: "Overdue",
}


@dataclass(frozen=True)
class Duty:
    measure: Measure
    period: Period
    due: dt.date
    narrative: Narrative | None
    value_missing: bool
    today: dt.date

    @property
    def state(self) -> str:
        narrative = self.narrative
        if narrative is not None and narrative.state == Narrative.State.RETURNED:
            return RETURNED
        if narrative is not None and not self.value_missing:
            if narrative.state == Narrative.State.APPROVED:
                return DONE
            return IN_REVIEW
        return OVERDUE if self.today > self.due else DUE

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def missing(self) -> list[str]:
        """What the department still owes, in words: ["narrative", "value"]."""
        owed = []
        if self.narrative is None or self.narrative.state == Narrative.State.RETURNED:
            owed.append("narrative")
        if self.value_missing:
            owed.append("value")
        return owed

    def sentence(self) -> str:
        """One line for "what needs me" and the reminder email."""
        label = self.period.label
        if self.state == RETURNED and self.narrative is not None:
            return f"Narrative for {label} returned: {self.narrative.review_comment}"
        owed = " and ".join(self.missing) or "review"
        when = f"{self.due:%d %b %Y}".lstrip("0")
        many = len(self.missing) > 1
        if self.state == OVERDUE:
            return f"The {owed} for {label} {'were' if many else 'was'} due {when}"
        return f"The {owed} for {label} {'are' if many else 'is'} due {when}"


def calendar_of_city() -> FiscalCalendar:
    return CityProfile.current().fiscal_calendar


def reporting_period(measure: Measure, today: dt.date, calendar: FiscalCalendar) -> Period:
    return previous_period(period_of(today, measure.grain, calendar), calendar)


def duties(measures: Any = None, today: dt.date | None = None) -> list[Duty]:
    """Return each measure's duty for its latest complete period (default: the current
    plan's measures, today in the site's time zone)."""
    today = today or timezone.localdate()
    calendar = calendar_of_city()
    if measures is None:
        measures = Measure.objects.filter(objective__goal__priority_area__plan__is_current=True)
    measures = list(measures.select_related("department").order_by("title"))
    periods = {m.pk: reporting_period(m, today, calendar) for m in measures}
    narratives = {
        (n.measure_id, n.period): n
        for n in Narrative.objects.filter(
            measure__in=measures, period__in={p.label for p in periods.values()}
        )
    }
    entered = set(
        MeasureValue.objects.filter(
            measure__in=[m for m in measures if m.is_manual],
            breakdown="",
            period__in={p.label for p in periods.values()},
            value__isnull=False,
        ).values_list("measure_id", "period")
    )
    found = []
    for measure in measures:
        period = periods[measure.pk]
        found.append(
            Duty(
                measure=measure,
                period=period,
                due=period.end + dt.timedelta(days=DUE_AFTER_DAYS[measure.grain]),
                narrative=narratives.get((measure.pk, period.label)),
                value_missing=measure.is_manual and (measure.pk, period.label) not in entered,
                today=today,
            )
        )
    return found


def duties_of(user: Any, today: dt.date | None = None) -> list[Duty]:
    """Return the open duties of the measures `user` owns: those of their departments that
    they may write for. (The performance office sees everyone's on the reporting page.)"""
    mine = Measure.objects.filter(
        objective__goal__priority_area__plan__is_current=True,
        department__in=department_ids_of(user),
    )
    return [
        duty
        for duty in duties(mine, today=today)
        if duty.state in OPEN and user.has_perm("plan.change_narrative", duty.measure)
    ]


@dataclass
class Completion:
    department: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def percent_done(self) -> int:
        return round(100 * self.counts[DONE] / self.total) if self.total else 0


def completion_by_department(today: dt.date | None = None) -> list[Completion]:
    """Return, per department (and "No department"), how many duties are in each state."""
    rows: dict[str, Completion] = {}
    for duty in duties(today=today):
        name = duty.measure.department.name if duty.measure.department else "No department"
        rows.setdefault(name, Completion(name)).counts[duty.state] += 1
    return sorted(
        rows.values(), key=lambda row: (row.department == "No department", row.department)
    )
