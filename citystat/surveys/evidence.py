"""Service profiles: the evidence behind one service lined up over time and across districts.

For a service (trash collection, potholes, water …) this puts residents' satisfaction and
importance beside 311 volume and close times, staffing and vacancies, the department's
employee engagement and its spending, and states how strongly they move together.

The warehouse datasets are read by their standard field names (the demo's schemas in
`citystat/demo/datasets.py`; a city maps its own export onto them with a column map).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citystat.catalog.engines import Session, open_session
from citystat.lib.stats import Z_95, Interval
from citystat.plan import display
from citystat.surveys.answers import as_text, rows
from citystat.surveys.definition import SurveyDefinition
from citystat.surveys.employee import engagement
from citystat.surveys.ratings import importance, satisfaction
from citystat.surveys.waves import as_date

REQUEST_FIELDS = ("type", "created_date", "days_to_close", "exceeded_timeframe", "council_district")
STAFFING_FIELDS = ("month", "department", "division", "authorized_positions", "filled_positions")
BUDGET_FIELDS = ("fiscal_year", "department", "program", "adopted", "amended", "actual")


@dataclass(frozen=True)
class Correlation:
    label: str | Promise  # lazy: the evidence is cached, the label read in each language
    coefficient: float
    interval: Interval
    pairs: int

    @property
    def reading(self) -> str:
        """Say how strong the association is, and whether chance could explain it."""
        strength = abs(self.coefficient)
        words = {"r": display.number(self.coefficient, 2), "pairs": display.number(self.pairs, 0)}
        if not self.interval.excludes_zero():
            return (
                _(
                    "No clear association (r = %(r)s); with %(pairs)s pairs chance alone "
                    "could produce it."
                )
                % words
            )
        # One whole sentence per strength and direction, so each reads naturally when translated.
        if self.coefficient > 0:
            if strength >= 0.6:
                return _("A strong association: they move together (r = %(r)s).") % words
            if strength >= 0.3:
                return _("A moderate association: they move together (r = %(r)s).") % words
            return _("A weak association: they move together (r = %(r)s).") % words
        if strength >= 0.6:
            return _("A strong association: they move in opposite directions (r = %(r)s).") % words
        if strength >= 0.3:
            return (
                _("A moderate association: they move in opposite directions (r = %(r)s).") % words
            )
        return _("A weak association: they move in opposite directions (r = %(r)s).") % words


@dataclass
class ServiceEvidence:
    satisfaction: list[dict[str, Any]] = field(default_factory=list)
    importance: list[dict[str, Any]] = field(default_factory=list)
    satisfaction_by_district: list[dict[str, Any]] = field(default_factory=list)
    requests_by_month: list[dict[str, Any]] = field(default_factory=list)
    requests_by_district: list[dict[str, Any]] = field(default_factory=list)
    staffing_by_month: list[dict[str, Any]] = field(default_factory=list)
    engagement_by_wave: list[dict[str, Any]] = field(default_factory=list)
    spending_by_year: list[dict[str, Any]] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)


def pearson(pairs: list[tuple[float, float]], label: str | Promise) -> Correlation | None:
    """Return Pearson's r with its Fisher-z 95% interval, or None below four pairs."""
    clean = [(x, y) for x, y in pairs if x is not None and y is not None]
    count = len(clean)
    if count < 4:
        return None
    mean_x = sum(x for x, _ in clean) / count
    mean_y = sum(y for _, y in clean) / count
    cross = sum((x - mean_x) * (y - mean_y) for x, y in clean)
    spread_x = math.sqrt(sum((x - mean_x) ** 2 for x, _ in clean))
    spread_y = math.sqrt(sum((y - mean_y) ** 2 for _, y in clean))
    if spread_x == 0 or spread_y == 0:
        return None
    coefficient = max(-0.999999, min(0.999999, cross / (spread_x * spread_y)))
    z = math.atanh(coefficient)
    half = Z_95 / math.sqrt(count - 3)
    return Correlation(
        label, coefficient, Interval(math.tanh(z - half), math.tanh(z + half)), count
    )


def service_evidence(
    profile: dict[str, Any],
    resident: SurveyDefinition | None,
    employees: SurveyDefinition | None,
) -> ServiceEvidence:
    """Gather every series the profile names; a source it does not name is left empty."""
    evidence = ServiceEvidence()
    item = profile.get("item")
    if resident is not None and item:
        survey_series(evidence, resident, item)
    if profile.get("requests"):
        request_series(evidence, profile["requests"])
    if profile.get("staffing"):
        staffing_series(
            evidence, profile["staffing"], profile["department"], profile.get("division")
        )
    if employees is not None:
        evidence.engagement_by_wave = [
            {"wave": row.wave, "engaged": row.engaged, "respondents": row.respondents}
            for row in engagement(employees)
            if row.department == profile["department"]
        ]
    if profile.get("budget"):
        budget_series(evidence, profile["budget"], profile["department"], profile.get("division"))
    satisfied = {row["district"]: row["satisfied"] for row in evidence.satisfaction_by_district}
    for row in evidence.requests_by_district:
        row["satisfied"] = satisfied.get(row["district"])
    add_correlations(evidence)
    return evidence


def survey_series(evidence: ServiceEvidence, resident: SurveyDefinition, item: str) -> None:
    ratings = [r for r in satisfaction(resident) if r.item == item and r.satisfied is not None]
    evidence.satisfaction = [
        {"wave": r.wave, "satisfied": r.satisfied, "low": r.interval.low, "high": r.interval.high,
         "answered": r.answered}
        for r in ratings
        if r.interval is not None
    ]  # fmt: skip
    evidence.importance = [
        {"wave": entry.wave, "importance": entry.importance}
        for entry in importance(resident)
        if entry.item == item
    ]
    if ratings and resident.district:
        latest = ratings[-1].wave
        evidence.satisfaction_by_district = [
            {"district": r.group, "satisfied": r.satisfied, "answered": r.answered}
            for r in satisfaction(resident, by=resident.district, wave=latest)
            if r.item == item and r.satisfied is not None
        ]


def request_series(evidence: ServiceEvidence, requests: dict[str, Any]) -> None:
    slug, types = requests["dataset"], list(requests["types"])

    def of_types(session: Session) -> ir.Table:
        table = session.table(slug)
        return table.filter(table["type"].isin(types))

    def close_times(table: ir.Table) -> dict[str, ir.Scalar]:
        days = table.days_to_close
        # Closed requests only; one whose timeframe is unknown was not closed within it.
        within = (table.exceeded_timeframe.notnull() & ~table.exceeded_timeframe).ifelse(1.0, 0.0)
        return {
            "requests": table.count(),
            "median_days": days.median(),
            "within": within.mean(where=days.notnull()),
        }

    def monthly() -> ir.Table:
        table = of_types(session)
        month = as_date(table.created_date).truncate("M")
        return table.group_by(month=month).aggregate(**close_times(table)).order_by("month")

    def latest_day() -> ir.Table:
        table = of_types(session)
        return table.aggregate(latest=as_date(table.created_date).max())

    def by_district(latest: dt.date) -> Callable[[], ir.Table]:
        def build() -> ir.Table:
            table = of_types(session)
            recent = table.filter(
                (as_date(table.created_date) > latest - dt.timedelta(days=365))
                & table.council_district.notnull()
            )
            district = as_text(recent.council_district)
            return (
                recent.group_by(district=district)
                .aggregate(**close_times(recent))
                .order_by("district")
            )

        return build

    inputs: dict[str, Any] = {"statistic": "requests", "types": types}
    with open_session() as session:
        months = rows(session, slug, {**inputs, "by": "month"}, monthly)
        # A datetime created date (the city's wall clock) counts by its date, as a date
        # does: the year is the 365 days up to the latest request's day.
        latest = rows(session, slug, {**inputs, "by": "latest"}, latest_day)[0]["latest"]
        districts = []
        if latest is not None:
            districts = rows(
                session, slug, {**inputs, "by": "district", "latest": latest}, by_district(latest)
            )
    evidence.requests_by_month = [
        {
            "month": row["month"].isoformat(),
            "requests": row["requests"],
            "median_days": row["median_days"],
            "within_timeframe": row["within"],
        }
        for row in months
    ]
    evidence.requests_by_district = [
        {
            "district": row["district"],
            "requests": row["requests"],
            "median_days": row["median_days"],
            "within_timeframe": row["within"],
        }
        for row in districts
    ]


def staffing_series(
    evidence: ServiceEvidence, staffing: dict[str, Any], department: str, division: str | None
) -> None:
    slug = staffing["dataset"]

    def build() -> ir.Table:
        table = session.table(slug)
        table = table.filter(table.department == department)
        if division is not None:
            table = table.filter(table.division == division)
        return (
            table.group_by("month")
            .aggregate(
                authorized=table.authorized_positions.sum(), filled=table.filled_positions.sum()
            )
            .order_by("month")
        )

    inputs = {"statistic": "staffing", "department": department, "division": division}
    with open_session() as session:
        found = rows(session, slug, inputs, build)
    evidence.staffing_by_month = [
        {
            "month": row["month"].isoformat(),
            "authorized": row["authorized"],
            "filled": row["filled"],
            "vacancy_rate": (
                (row["authorized"] - row["filled"]) / row["authorized"]
                if row["authorized"]
                else None
            ),
        }
        for row in found
    ]


def budget_series(
    evidence: ServiceEvidence, budget: dict[str, Any], department: str, division: str | None
) -> None:
    program = budget.get("program", division)
    slug = budget["dataset"]

    def build() -> ir.Table:
        table = session.table(slug)
        table = table.filter(table.department == department)
        if program is not None:
            table = table.filter(table.program == program)
        return (
            table.group_by("fiscal_year")
            .aggregate(
                adopted=table.adopted.sum(),
                amended=table.amended.sum(),
                # A year not closed has only empty or zero actuals: unknown, not $0.
                spent_lines=table.actual.nullif(0).count(),
                actual=table.actual.sum(),
            )
            .order_by("fiscal_year")
        )

    inputs = {"statistic": "spending", "department": department, "program": program}
    with open_session() as session:
        found = rows(session, slug, inputs, build)
    evidence.spending_by_year = [
        {
            "fiscal_year": f"FY{row['fiscal_year']}",
            "adopted": row["adopted"],
            "amended": row["amended"],
            "actual": row["actual"] if row["spent_lines"] else None,
        }
        for row in found
    ]


def add_correlations(evidence: ServiceEvidence) -> None:
    close_times = {row["month"]: row["median_days"] for row in evidence.requests_by_month}
    vacancy = {row["month"]: row["vacancy_rate"] for row in evidence.staffing_by_month}
    months = sorted(close_times.keys() & vacancy.keys())
    by_month = pearson(
        [(vacancy[month], close_times[month]) for month in months],
        gettext_lazy("Vacancy rate and median days to close, month by month"),
    )
    satisfied = {row["district"]: row["satisfied"] for row in evidence.satisfaction_by_district}
    days = {row["district"]: row["median_days"] for row in evidence.requests_by_district}
    districts = sorted(satisfied.keys() & days.keys())
    by_district = pearson(
        [(days[district], satisfied[district]) for district in districts],
        gettext_lazy("Median days to close and residents' satisfaction, district by district"),
    )
    evidence.correlations = [c for c in (by_month, by_district) if c is not None]
