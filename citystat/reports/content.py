"""What a council export holds: the measures of a priority area, a goal or the whole plan
for one fiscal year, each with its latest value, target, status, trend, values and
narrative.

Every format (workbook.py, deck.py, annual.py) is written from one `Report`, so the
three agree with each other and with the site: the same stored values, the same status
rules (plan/status.py) and, for residents, the same visibility (public measures and
approved narratives only). A staff export may add internal measures, and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from citystat.city.models import CityProfile
from citystat.city.translations import localized
from citystat.lib.errors import CitystatError
from citystat.lib.periods import FiscalCalendar, PeriodError, parse_period
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Narrative,
    Plan,
    PriorityArea,
    Status,
    Target,
)
from citystat.plan.status import MeasureStatus, judge, status_for, target_in_force
from citystat.plan.trend import WINDOW, trend_of

Kind = Literal["plan", "area", "goal"]
Audience = Literal["public", "staff"]
KINDS: tuple[Kind, ...] = ("plan", "area", "goal")
FORMATS = ("xlsx", "pptx", "pdf")


class ReportError(CitystatError):
    """The export asked for cannot be made as asked (unknown scope, period or format)."""


@dataclass
class ReportValue:
    """One period of a measure, as the values sheet lists it."""

    period: str
    start: dt.date
    end: dt.date
    value: float | None
    is_partial: bool
    ci_lower: float | None
    ci_upper: float | None
    target: float | None
    # None for a partial period (shown, never judged) or a period with no value.
    status: Status | None


@dataclass
class ReportMeasure:
    measure: Measure
    goal: Goal
    area: PriorityArea
    judged: MeasureStatus
    trend: str  # "improving", "worsening", "steady", "rising", "falling" or "" (too few)
    values: list[ReportValue]
    chart_values: list[MeasureValue]
    narrative: Narrative | None

    @property
    def latest(self) -> MeasureValue | None:
        return self.judged.value

    @property
    def target(self) -> Target | None:
        return self.judged.target


@dataclass
class Report:
    kind: Kind
    slug: str
    title: str
    plan: Plan
    fiscal_year: int
    period_start: dt.date
    period_end: dt.date
    audience: Audience
    include_internal: bool
    generated_at: dt.datetime
    measures: list[ReportMeasure] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.measures

    @property
    def has_internal(self) -> bool:
        return any(not item.measure.is_public for item in self.measures)

    def filename(self, fmt: str) -> str:
        return f"{self.plan.slug}-{self.kind}-{self.slug}-FY{self.fiscal_year}.{fmt}"


def report_calendar() -> FiscalCalendar:
    return CityProfile.current().fiscal_calendar


def current_plan() -> Plan:
    plan = Plan.current()
    if plan is None:
        raise ReportError(gettext("There is no current plan to export."))
    return plan


def find_scope(plan: Plan, kind: str, slug: str) -> tuple[Kind, str, str]:
    """Return (kind, slug, title) of the plan's element `slug`, or raise ReportError."""
    if kind == "plan":
        if slug != plan.slug:
            raise ReportError(
                gettext("The current plan is %(plan)r, not %(slug)r.")
                % {"plan": plan.slug, "slug": slug}
            )
        return "plan", plan.slug, plan.title
    if kind == "area":
        area = PriorityArea.objects.filter(plan=plan, slug=slug).first()
        if area is None:
            raise ReportError(
                gettext("The current plan has no priority area %(slug)r.") % {"slug": slug}
            )
        return "area", area.slug, localized(area, "title").text
    if kind == "goal":
        goals = list(Goal.objects.filter(priority_area__plan=plan, slug=slug)[:2])
        if not goals:
            raise ReportError(gettext("The current plan has no goal %(slug)r.") % {"slug": slug})
        if len(goals) > 1:
            # Goal slugs are unique within an area only; guessing would export the wrong one.
            raise ReportError(
                gettext("Two goals of the current plan are called %(slug)r; rename one first.")
                % {"slug": slug}
            )
        return "goal", goals[0].slug, localized(goals[0], "title").text
    raise ReportError(
        gettext("An export is of a plan, an area or a goal, not %(kind)r.") % {"kind": kind}
    )


def parse_fiscal_year(text: str | None, plan: Plan, today: dt.date | None = None) -> int:
    """Return the fiscal year `text` ("FY2026") names, default this one, within the plan."""
    first, last = plan.first_fiscal_year, plan.last_fiscal_year
    if not text:
        year = report_calendar().fiscal_year_of(today or timezone.localdate())
        return min(max(year, first), last)
    try:
        period = parse_period(text.strip(), report_calendar())
    except PeriodError:
        period = None
    if period is None or period.grain != "fiscal_year":
        raise ReportError(
            gettext("The period %(text)r is not a fiscal year such as FY%(year)s.")
            % {"text": text, "year": last}
        )
    year = report_calendar().fiscal_year_of(period.end)
    if not first <= year <= last:
        raise ReportError(
            gettext("The plan runs from FY%(first)s to FY%(last)s; FY%(year)s is outside it.")
            % {"first": first, "last": last, "year": year}
        )
    return year


def scope_measures(plan: Plan, kind: Kind, slug: str, include_internal: bool) -> QuerySet[Measure]:
    measures = Measure.objects.filter(objective__goal__priority_area__plan=plan)
    if kind == "area":
        measures = measures.filter(objective__goal__priority_area__slug=slug)
    elif kind == "goal":
        measures = measures.filter(objective__goal__slug=slug)
    if not include_internal:
        measures = measures.filter(is_public=True)
    return measures.select_related("objective__goal__priority_area", "department").order_by(
        "objective__goal__priority_area__position",
        "objective__goal__priority_area__title",
        "objective__goal__position",
        "objective__goal__title",
        "objective__position",
        "position",
        "title",
    )


def trend_word(measure: Measure, values: list[MeasureValue]) -> str:
    """Return which way the recent complete values go, as better or worse where it can."""
    known = [v.value for v in values if v.value is not None and not v.is_partial]
    trend = trend_of(known[-WINDOW[measure.grain] :])
    if trend is None:
        return ""
    if trend.direction == "flat":
        return "steady"
    if measure.direction == Measure.Direction.WITHIN_RANGE:
        return trend.direction
    better = "rising" if measure.direction == Measure.Direction.HIGHER_IS_BETTER else "falling"
    return "improving" if trend.direction == better else "worsening"


def trend_text(word: str) -> str:
    """Return a trend word in the reader's language ("—" when there are too few values)."""
    words = {
        "improving": gettext("Improving"),
        "worsening": gettext("Worsening"),
        "steady": gettext("Steady"),
        "rising": gettext("Rising"),
        "falling": gettext("Falling"),
    }
    return words.get(word, "\u2014")


def report_narrative(
    measure: Measure, latest: MeasureValue | None, end: dt.date, calendar: FiscalCalendar
) -> Narrative | None:
    """Return the approved narrative of the latest value's period, else the newest approved
    one of a period ending by `end` (a later year's words never describe this one)."""
    approved = list(Narrative.objects.filter(measure=measure).approved().order_by("-period"))
    if latest is not None:
        for narrative in approved:
            if narrative.period == latest.period:
                return narrative
    for narrative in approved:
        try:
            if parse_period(narrative.period, calendar).end <= end:
                return narrative
        except PeriodError:
            continue
    return None


def report_measure(
    measure: Measure, start: dt.date, end: dt.date, calendar: FiscalCalendar, today: dt.date
) -> ReportMeasure:
    goal = measure.objective.goal
    as_of = measure.objective.goal.priority_area.plan.as_of
    until = min(end, as_of) if as_of else end
    history = list(
        MeasureValue.objects.filter(measure=measure, breakdown="", period_end__lte=until).order_by(
            "period_start"
        )
    )
    # The value still coming in at the year's end (a partial period) is listed too.
    running = MeasureValue.objects.filter(
        measure=measure,
        breakdown="",
        is_partial=True,
        period_start__lte=until,
        period_end__gt=until,
    ).order_by("period_start")
    history += list(running)
    complete = [v for v in history if not v.is_partial and v.value is not None]
    latest = complete[-1] if complete else None
    if latest is None:
        # status_for would look for the newest value of all time, past the year's end.
        judged = MeasureStatus(Status.NO_RECENT_DATA)
    else:
        judged = status_for(measure, value=latest, calendar=calendar, today=min(until, today))
    targets = list(measure.targets.all())
    rows = []
    for value in history:
        if value.period_end < start:
            continue
        target = target_in_force(targets, calendar.fiscal_year_of(value.period_end))
        status = None
        if value.value is not None and not value.is_partial:
            status = judge(value.value, target, measure.direction) if target else Status.NO_TARGET
        rows.append(
            ReportValue(
                period=value.period,
                start=value.period_start,
                end=value.period_end,
                value=value.value,
                is_partial=value.is_partial,
                ci_lower=value.ci_lower,
                ci_upper=value.ci_upper,
                target=target.value if target else None,
                status=status,
            )
        )
    return ReportMeasure(
        measure=measure,
        goal=goal,
        area=goal.priority_area,
        judged=judged,
        trend=trend_word(measure, [v for v in history if not v.is_partial]),
        values=rows,
        chart_values=history,
        narrative=report_narrative(measure, latest, until, calendar),
    )


def build_report(
    kind: str,
    slug: str,
    *,
    period: str | None = None,
    audience: Audience = "public",
    include_internal: bool = False,
    today: dt.date | None = None,
) -> Report:
    """Gather the export of the current plan's `kind` `slug` for the fiscal year `period`.

    Raises ReportError, naming what is wrong, for an unknown scope or period; an empty
    scope is a report with no measures (each format says so).
    """
    plan = current_plan()
    found_kind, found_slug, title = find_scope(plan, kind, slug)
    today = today or timezone.localdate()
    year = parse_fiscal_year(period, plan, today)
    calendar = report_calendar()
    start, end = calendar.fiscal_year_bounds(year)
    internal = include_internal and audience == "staff"
    measures = scope_measures(plan, found_kind, found_slug, internal).select_related(
        "objective__goal__priority_area__plan"
    )
    return Report(
        kind=found_kind,
        slug=found_slug,
        title=title,
        plan=plan,
        fiscal_year=year,
        period_start=start,
        period_end=end,
        audience=audience,
        include_internal=internal,
        generated_at=timezone.now(),
        measures=[
            report_measure(measure, start, end, calendar, today)
            for measure in measures.prefetch_related("targets")
        ],
    )


def data_stamp(plan: Plan) -> str:
    """Return a fingerprint of everything an export shows, for the cache key of a copy.

    Statuses depend on the day too (a value grows stale), so the date is part of it.
    """
    parts = [
        str(timezone.localdate()),
        str(plan.pk),
        str(MeasureValue.objects.aggregate(t=Max("computed_at"))["t"]),
        str(MeasureValue.objects.count()),
        str(Narrative.objects.aggregate(t=Max("updated_at"))["t"]),
        str(CityProfile.current().pk),
    ]
    for model in (Target, Measure, Goal, PriorityArea, Plan, Narrative):
        parts.append(str(model.history.aggregate(t=Max("history_date"))["t"]))  # type: ignore[attr-defined]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
