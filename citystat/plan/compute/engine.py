"""Compile a checked measure spec to Ibis expressions and run them on the warehouse.

Every aggregation groups rows by the period their date falls in (and by each breakdown
field). Parts that add up (numerator and denominator) are kept, so fiscal-year-to-date
values and roll-ups can be built from them without rereading the data.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from citystat.lib import survey_shares
from citystat.lib.errors import CitystatError
from citystat.lib.periods import FiscalCalendar, Grain, Period, period_of, periods_between
from citystat.lib.survey_shares import finish_parts
from citystat.plan.compute.aggregates import (
    aggregate_of,
    names_where,
    resolve,
)
from citystat.plan.compute.compiled import key_of, run_statements, statements_key
from citystat.plan.compute.kinds import (
    BacklogSpec,
    CountSpec,
    FieldSpec,
    MeasureSpec,
    Part,
    RatioSpec,
    SurveyShareSpec,
    uses_measures,
)
from citystat.plan.compute.spec import check_spec, regrained

PERIOD = "period_key"
# The aggregates whose value only grows as rows arrive (aggregates.py; peers reads it).
ADDITIVE = frozenset(names_where("additive"))
NOT_RECORDED = "(not recorded)"
# The parts of a value that add up over periods (fiscal-year-to-date sums).
PARTS = ("value", "numerator", "denominator", "respondents", "weight_squares")
SUPPRESSED = "fewer than 5 respondents; not shown, to protect their anonymity"
ALL_BREAKDOWNS = "*"


class ComputeError(CitystatError):
    pass


@dataclass
class ComputedValue:
    period: Period
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    breakdown: str = ""
    breakdown_value: str = ""
    is_partial: bool = False
    # Survey measures: the 95% interval in the measure's unit and the respondents behind it.
    ci_lower: float | None = None
    ci_upper: float | None = None
    ci_n: int | None = None
    note: str = ""  # why the value is empty, when it is


def no_relation(slug: str) -> str:
    raise ComputeError(f"dataset {slug!r} is not in the warehouse.")


@dataclass(frozen=True)
class Context:
    """What a computation needs besides the spec: the city's calendar and population, and
    for ratios of measures the other measures' specs, the datasets' schemas and the
    warehouse table of each dataset.

    Built once per run, with everything it will hold: a computation never changes it.
    """

    calendar: FiscalCalendar
    population: int | None = None
    specs: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    relation: Callable[[str], str] = no_relation


def period_key(
    column: ir.DateValue, grain: Grain, calendar: FiscalCalendar, date_kind: str = "date"
) -> ir.Value:
    """Return the engine expression that names the period a date falls in."""
    if date_kind == "year":
        return column.cast("int64")
    if grain == "day":
        # A datetime's day is its date in the city's time zone: naive datetimes are
        # stored as the city's wall-clock time (docs/measures.md), so no conversion.
        return column.truncate("D")
    if grain == "week":
        # DuckDB's, PostgreSQL's and Spark's date_trunc('week') all start on the ISO
        # Monday, which lib/periods.period_of("week") expects.
        return column.truncate("W")
    if grain == "month":
        return column.truncate("M")
    if grain == "quarter":
        return column.truncate("Q")
    if grain == "year":
        return column.truncate("Y")
    if (calendar.start_month, calendar.start_day) == (1, 1):
        return column.year()
    # The fiscal year is named by the year it ends in: dates on or after the start
    # month and day belong to next year's fiscal year.
    started = (column.month() * 100 + column.day()) >= (
        calendar.start_month * 100 + calendar.start_day
    )
    return column.year() + started.ifelse(1, 0)


# A plan names a few hundred periods over ten thousand rows: each key is worked out once.
@functools.lru_cache(maxsize=8192)
def period_from_key(key: Any, grain: Grain, calendar: FiscalCalendar) -> Period:
    if grain == "year" and isinstance(key, int):
        return period_of(dt.date(key, 1, 1), grain, calendar)
    if grain == "fiscal_year":
        first, _last = calendar.fiscal_year_bounds(int(key))
        return period_of(first, grain, calendar)
    day = key.date() if isinstance(key, dt.datetime) else key
    return period_of(day, grain, calendar)


def base_table(backend: Any, relation: str, spec: MeasureSpec) -> ir.Table:
    table = backend.table(relation)
    if spec.filter is not None:
        table = table.filter(resolve(spec.filter, table))
    return table


def aggregations(table: ir.Table, spec: MeasureSpec) -> dict[str, ir.Scalar]:
    """Return the named aggregate expressions for one group of rows."""
    entry = aggregate_of(spec.aggregate)
    if entry.build is None:
        raise ComputeError(f"no aggregation {spec.aggregate!r}")
    if not isinstance(spec, entry.kind):
        # The builder reads the fields of its own kind: a spec of another is refused.
        raise ComputeError(f"a {spec.aggregate} is built from a {entry.kind.__name__}")
    return entry.build(table, spec)


def grouped_expressions(
    backend: Any, relation: str, spec: MeasureSpec, context: Context
) -> Iterator[tuple[str, ir.Table]]:
    """Yield (breakdown field or "", Ibis expression) for the overall and each breakdown.

    Aggregations made of sums are computed once, per period and every breakdown field at
    once (yielded with breakdown "*"): the overall and each breakdown's values are then
    added up from those rows, so the data is read, and the query compiled, once.
    """
    table = base_table(backend, relation, spec)
    table = table.filter(table[spec.date].notnull())
    if isinstance(spec, SurveyShareSpec) and spec.weight:
        # A respondent without a weight cannot be counted in a weighted share.
        table = table.filter(table[spec.weight].notnull())
    key = period_key(table[spec.date], spec.grain, context.calendar, spec.date_kind)
    table = table.mutate(**{PERIOD: key})
    entry = aggregate_of(spec.aggregate)
    if spec.breakdowns and entry.summable:
        keys = [PERIOD, *spec.breakdowns]
        yield ALL_BREAKDOWNS, table.group_by(keys).aggregate(**aggregations(table, spec))
        return
    for breakdown in ("", *spec.breakdowns):
        keys = [PERIOD, *([breakdown] if breakdown else [])]
        grouped = table
        if entry.last_date_only:
            # A snapshot measure: sum the rows of the last date on record in each group.
            last = grouped[spec.date].max().over(group_by=[grouped[key] for key in keys])
            grouped = grouped.filter(grouped[spec.date] == last)
        yield breakdown, grouped.group_by(keys).aggregate(**aggregations(grouped, spec))


def backlog_expressions(
    backend: Any, relation: str, spec: BacklogSpec, context: Context
) -> Iterator[tuple[str, ir.Table, ir.Table]]:
    """Yield (breakdown, opened-per-period expression, closed-per-period expression)."""
    table = base_table(backend, relation, spec)
    table = table.filter(table[spec.date].notnull())
    for breakdown in ("", *spec.breakdowns):
        extra = [breakdown] if breakdown else []
        opened = table.group_by(
            [period_key(table[spec.date], spec.grain, context.calendar).name(PERIOD), *extra]
        ).aggregate(value=table.count())
        closed_rows = table.filter(table[spec.closed].notnull())
        closed = closed_rows.group_by(
            [period_key(closed_rows[spec.closed], spec.grain, context.calendar).name(PERIOD)]
            + extra
        ).aggregate(value=closed_rows.count())
        yield breakdown, opened, closed


def data_span(
    backend: Any,
    relation: str,
    spec: MeasureSpec,
    calendar: FiscalCalendar,
    schema: dict[str, Any] | None = None,
) -> tuple[dt.date, dt.date] | None:
    """Return the first and last date of the whole dataset (unfiltered), or None if empty.

    With the dataset's Table `schema`, the statement is compiled once (compiled.py).
    """

    def build() -> list[tuple[str, ir.Table]]:
        table = backend.table(relation)
        return [
            ("span", table.aggregate(first=table[spec.date].min(), last=table[spec.date].max()))
        ]

    key = None
    if schema is not None:
        key = key_of(
            {"kind": "span", "relation": relation, "date": spec.date, "schema": schema},
            backend,
        )
    row = run_statements(backend, key, build)[0][1][0]
    if row["first"] is None:
        return None
    if spec.date_kind == "year":
        first = period_from_key(int(row["first"]), spec.grain, calendar)
        last = period_from_key(int(row["last"]), spec.grain, calendar)
        return first.start, last.end
    return as_date(row["first"]), as_date(row["last"])


def row_counts(backend: Any, relation: str, spec: MeasureSpec, context: Context) -> tuple[int, int]:
    """Return the rows of the dataset's published version, and how many the filter keeps."""

    def build() -> list[tuple[str, ir.Table]]:
        table = backend.table(relation)
        kept = table.count()
        if spec.filter is not None:
            kept = resolve(spec.filter, table).ifelse(1, 0).sum()
        return [("rows", table.aggregate(total=table.count(), matched=kept))]

    # The key is made as statements_key makes it: the filter as written, with the schema
    # that gives its fields' types; this module's source is in every key (compiled.py).
    key = None
    if spec.source:
        inputs = {
            "kind": "builder-rows",
            "relation": relation,
            "filter": spec.source.get("filter"),
            "schema": context.schemas.get(spec.dataset),
        }
        key = key_of(inputs, backend)
    row = run_statements(backend, key, build)[0][1][0]
    # A sum over no rows is NULL: an empty version keeps none.
    return int(row["total"] or 0), int(row["matched"] or 0)


def as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def compute_spec(
    backend: Any,
    relation: str,
    spec: MeasureSpec,
    context: Context,
    span: tuple[dt.date, dt.date] | None = None,
) -> list[ComputedValue]:
    """Return the measure's values per period and breakdown, computed on the warehouse."""
    if uses_measures(spec):
        return compute_ratio_of_parts(backend, spec, context)
    if aggregate_of(spec.aggregate).value == "per_1000" and not context.population:
        raise ComputeError(
            "a rate per 1,000 residents needs the city's population; set population in city.yaml."
        )
    if span is None:
        schema = context.schemas.get(spec.dataset)
        span = data_span(backend, relation, spec, context.calendar, schema)
    if span is None:
        return []
    all_periods = periods_between(
        period_of(span[0], spec.grain, context.calendar),
        period_of(span[1], spec.grain, context.calendar),
        context.calendar,
    )
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]] = defaultdict(dict)
    entry = aggregate_of(spec.aggregate)
    if isinstance(spec, BacklogSpec):  # opened minus closed, running
        backlog = spec

        def build_backlog() -> list[tuple[str, ir.Table]]:
            # Labelled "<sign>:<breakdown>": the sign has no colon, a field name may.
            return [
                (f"{sign}:{breakdown}", expression)
                for breakdown, opened, closed in backlog_expressions(
                    backend, relation, backlog, context
                )
                for sign, expression in ((1, opened), (-1, closed))
            ]

        key = statements_key("backlog", backend, relation, spec, context)
        answered = run_statements(backend, key, build_backlog)
        for breakdown in ("", *spec.breakdowns):
            signed = [
                (int(sign), rows)
                for label, rows in answered
                for sign, _, of in [label.partition(":")]
                if of == breakdown
            ]
            collect_backlog(spec, context, breakdown, signed, all_periods, groups)
    else:
        key = statements_key("grouped", backend, relation, spec, context)
        answered = run_statements(
            backend, key, lambda: list(grouped_expressions(backend, relation, spec, context))
        )
        for breakdown, rows in answered:
            for row in rows:
                period = period_from_key(row.pop(PERIOD), spec.grain, context.calendar)
                if breakdown == ALL_BREAKDOWNS:
                    add_to_margins(groups, spec.breakdowns, period, row)
                    continue
                value = label(row.pop(breakdown)) if breakdown else ""
                groups[(breakdown, value)][period] = row
    if entry.additive:
        groups.setdefault(("", ""), {})  # no matching rows is a count of 0, not "no data"
    return finish(groups, spec, context, all_periods, span)


def add_to_margins(
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]],
    breakdowns: tuple[str, ...],
    period: Period,
    row: dict[str, Any],
) -> None:
    """Add one (period, every breakdown) row's sums to the overall and to each breakdown."""
    keys = {breakdown: label(row.pop(breakdown)) for breakdown in breakdowns}
    for group in [("", ""), *keys.items()]:
        parts = groups[group].setdefault(period, {})
        for name, amount in row.items():
            if amount is not None:
                parts[name] = (parts.get(name) or 0) + amount
            else:
                parts.setdefault(name, None)  # a sum over nothing stays unknown, as in SQL


def label(value: Any) -> str:
    if value is None:
        return NOT_RECORDED
    return str(value)


def collect_backlog(
    spec: MeasureSpec,
    context: Context,
    breakdown: str,
    signed: list[tuple[int, list[dict[str, Any]]]],
    all_periods: list[Period],
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]],
) -> None:
    """Open at a period's end = everything opened up to then − everything closed up to then.

    `signed` holds the rows opened per period (sign 1) and closed per period (sign -1).
    """
    changes: dict[tuple[str, Period], float] = defaultdict(float)
    for sign, rows in signed:
        for row in rows:
            period = period_from_key(row[PERIOD], spec.grain, context.calendar)
            value = label(row[breakdown]) if breakdown else ""
            changes[(value, period)] += sign * row["value"]
    for value in {value for value, _period in changes}:
        running = 0.0
        before_first = sum(
            amount
            for (v, period), amount in changes.items()
            if v == value and period < all_periods[0]
        )
        running += before_first
        for period in all_periods:
            running += changes.get((value, period), 0.0)
            groups[(breakdown, value)][period] = {"value": running}


def finish(
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]],
    spec: MeasureSpec,
    context: Context,
    all_periods: list[Period],
    span: tuple[dt.date, dt.date],
) -> list[ComputedValue]:
    """Fill gaps, build fiscal-year-to-date sums, and turn parts into values.

    A period the data covers only in part, at either end of the data (a first week that
    starts before the first record, a last month still running), is partial: a count of
    it is not comparable with a whole one, and an average or share of one month of a
    quarter is not the quarter's either, so it is shown but never judged (#20). Survey
    waves are samples taken on a few days, not a running record: their periods are whole.
    """
    first_day, last_day = span
    results: list[ComputedValue] = []
    entry = aggregate_of(spec.aggregate)
    additive, quotient, per_1000 = (
        entry.additive,
        entry.value == "quotient",
        entry.value == "per_1000",
    )
    scale = spec.scale
    population = float(context.population or 0)
    survey = spec if isinstance(spec, SurveyShareSpec) else None
    may_be_partial = survey is None
    # A period without rows is a count of 0 for an aggregate that adds up, else no value.
    empty: dict[str, Any] = {"value": 0, "numerator": 0} if additive else {}
    # Whether each period is partial depends on the period alone: worked out once.
    partial: dict[Period, bool] = {}
    # The fifteen-odd thousand values of a plan are made here: the loop does no more
    # per value than the value needs (benchmarks/compute.py).
    for (breakdown, value), rows in sorted(groups.items()):
        periods = all_periods if additive else sorted(rows)
        running: dict[str, float] = {}
        running_year: int | None = None
        for period in periods:
            row = rows.get(period) or empty
            parts = {key: number(row.get(key)) for key in PARTS}
            if spec.cumulative:
                year = context.calendar.fiscal_year_of(period.start)
                if year != running_year:
                    running, running_year = {}, year
                for key, amount in parts.items():
                    if amount is not None:
                        running[key] = running.get(key, 0.0) + amount
                parts = {key: running.get(key) for key in parts}
            top = parts["numerator"]
            if quotient:
                bottom = parts["denominator"]
                # A zero denominator gives no value for the period ("no data"), never a crash.
                result = None if top is None or not bottom else top / bottom * scale
            elif per_1000:
                bottom = population
                result = (top or 0.0) * 1000 / (population or 1.0) * scale
            else:
                bottom = parts["denominator"]
                result = None if parts["value"] is None else parts["value"] * scale
            is_partial = partial.get(period)
            if is_partial is None:
                is_partial = partial[period] = may_be_partial and (
                    period.start < first_day or period.end > last_day
                )
            computed = ComputedValue(
                period=period,
                value=result,
                numerator=top,
                denominator=bottom,
                breakdown=breakdown,
                breakdown_value=value,
                is_partial=is_partial,
            )
            if survey is not None:
                add_interval(computed, parts, survey)
            results.append(computed)
    return results


def add_interval(
    computed: ComputedValue, parts: dict[str, float | None], spec: SurveyShareSpec
) -> None:
    """Give a survey share its 95% Wilson interval, or hide it when too few answered.

    With weights the interval uses Kish's effective sample size (Σw)² / Σw², so a
    heavily weighted sample is not taken for a larger one than it is.
    """
    finished = finish_parts(parts, weighted=bool(spec.weight))
    if finished.withheld == survey_shares.SUPPRESSED:
        # Not even the small count is kept: "3 of the 4 auditors" would name people.
        computed.value = computed.numerator = computed.denominator = None
        computed.note = SUPPRESSED
        return
    computed.ci_n = finished.respondents
    if finished.interval is None:
        computed.note = "the respondents' weights add up to 0"
        return
    computed.ci_lower = finished.interval.low * spec.scale
    computed.ci_upper = finished.interval.high * spec.scale


def compute_ratio_of_parts(backend: Any, spec: RatioSpec, context: Context) -> list[ComputedValue]:
    """A ratio whose numerator or denominator is another measure: compute each side on its
    own (each may read its own dataset), align them by period and breakdown, and divide.

    A period where the denominator is 0 or either side has no value is kept with no
    value and the reason, never an error.
    """
    top = side_values(backend, spec, spec.numerator, context)
    bottom = side_values(backend, spec, spec.denominator, context)
    results = []
    for key in sorted(set(top) & set(bottom)):
        breakdown, breakdown_value, period = key
        (upper, upper_partial), (lower, lower_partial) = top[key], bottom[key]
        value, note = None, ""
        if upper is None:
            note = f"{describe_part(spec.numerator)} has no value for {period.label}"
        elif lower is None:
            note = f"{describe_part(spec.denominator)} has no value for {period.label}"
        elif lower == 0:
            note = f"{describe_part(spec.denominator)} is 0 in {period.label}; nothing to divide by"
        else:
            value = upper / lower * spec.scale
        results.append(
            ComputedValue(
                period=period,
                value=value,
                numerator=upper,
                denominator=lower,
                breakdown=breakdown,
                breakdown_value=breakdown_value,
                is_partial=upper_partial or lower_partial,
                note=note,
            )
        )
    return results


def describe_part(part: Part) -> str:
    if part.measure:
        return f"measure {part.measure!r}"
    return f"the {part.aggregate} of {part.field}" if part.field else "the count of rows"


def side_values(
    backend: Any, spec: RatioSpec, part: Part, context: Context
) -> dict[tuple[str, str, Period], tuple[float | None, bool]]:
    """Return one side of a ratio: {(breakdown, value, period): (value, is partial)}."""
    side: MeasureSpec
    if part.measure:
        raw = regrained(context.specs[part.measure], spec.grain, spec.breakdowns)
        side = check_spec(raw, context.schemas, context.calendar, context.specs, part.measure)
    else:
        combined = spec.filter
        if part.filter is not None:
            combined = part.filter if combined is None else combined & part.filter
        rows: dict[str, Any] = {
            "dataset": spec.dataset,
            "date": spec.date,
            "grain": spec.grain,
            "filter": combined,
            "breakdowns": spec.breakdowns,
            "date_kind": spec.date_kind,
        }
        if part.aggregate == "sum" and part.field is not None:
            side = FieldSpec(aggregate="sum", field=part.field, **rows)
        else:
            side = CountSpec(aggregate="count", **rows)
    relation = context.relation(side.dataset) if side.dataset else ""
    return {
        (value.breakdown, value.breakdown_value, value.period): (value.value, value.is_partial)
        for value in compute_spec(backend, relation, side, context)
    }


def number(value: Any) -> float | None:
    return None if value is None else float(value)
