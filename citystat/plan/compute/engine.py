"""Compile a checked measure spec to Ibis expressions and run them on the warehouse.

Every aggregation groups rows by the period their date falls in (and by each breakdown
field). Parts that add up (numerator and denominator) are kept, so fiscal-year-to-date
values and roll-ups can be built from them without rereading the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
from ibis.common.deferred import Deferred

from citystat.lib.errors import CitystatError
from citystat.lib.periods import FiscalCalendar, Grain, Period, period_of, periods_between
from citystat.plan.compute.spec import MeasureSpec, Part

PERIOD = "period_key"
# Aggregations whose value for a period only grows as rows arrive: a period the data
# does not yet cover to its end is marked partial, and zero fills a period with no rows.
ADDITIVE = {"count", "sum", "rate_per_1000", "distinct_count", "backlog"}
NOT_RECORDED = "(not recorded)"


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


@dataclass
class Context:
    """What a computation needs besides the spec: the city's calendar and population."""

    calendar: FiscalCalendar
    population: int | None = None


def period_key(
    column: ir.DateValue, grain: Grain, calendar: FiscalCalendar, date_kind: str = "date"
) -> ir.Value:
    """Return the engine expression that names the period a date falls in."""
    if date_kind == "year":
        return column.cast("int64")
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


def period_from_key(key: Any, grain: Grain, calendar: FiscalCalendar) -> Period:
    if grain == "year" and isinstance(key, int):
        return period_of(dt.date(key, 1, 1), grain, calendar)
    if grain == "fiscal_year":
        first, _last = calendar.fiscal_year_bounds(int(key))
        return period_of(first, grain, calendar)
    day = key.date() if isinstance(key, dt.datetime) else key
    return period_of(day, grain, calendar)  # type: ignore[arg-type]


def resolve(condition: Deferred, table: ir.Table) -> ir.BooleanValue:
    return condition.resolve(table)  # type: ignore[no-any-return]


def base_table(backend: Any, relation: str, spec: MeasureSpec) -> ir.Table:
    table = backend.table(relation)
    if spec.filter is not None:
        table = table.filter(resolve(spec.filter, table))
    return table


def aggregations(table: ir.Table, spec: MeasureSpec) -> dict[str, ir.Scalar]:
    """Return the named aggregate expressions for one group of rows."""
    aggregate = spec.aggregate
    if aggregate == "count":
        return {"value": table.count()}
    if aggregate in ("sum", "latest"):
        return {"value": table[spec.field].sum()}
    if aggregate == "mean":
        column = table[spec.field]
        return {"numerator": column.sum(), "denominator": column.count()}
    if aggregate == "median":
        return {"value": table[spec.field].median()}
    if aggregate == "percentile":
        return {"value": table[spec.field].quantile((spec.percentile or 50) / 100)}
    if aggregate == "distinct_count":
        return {"value": table[spec.field].nunique()}
    if aggregate == "share":
        assert spec.condition is not None
        met = resolve(spec.condition, table).ifelse(1, 0)
        return {"numerator": met.sum(), "denominator": table.count()}
    if aggregate == "ratio":
        assert spec.numerator is not None and spec.denominator is not None
        return {
            "numerator": part_expression(table, spec.numerator),
            "denominator": part_expression(table, spec.denominator),
        }
    if aggregate == "rate_per_1000":
        return {"numerator": table[spec.field].sum() if spec.field else table.count()}
    raise ComputeError(f"no aggregation {aggregate!r}")


def part_expression(table: ir.Table, part: Part) -> ir.Scalar:
    if part.aggregate == "count":
        if part.filter is None:
            return table.count()
        return resolve(part.filter, table).ifelse(1, 0).sum()
    column = table[part.field]
    if part.filter is None:
        return column.sum()
    return resolve(part.filter, table).ifelse(column, 0).sum()


def grouped_expressions(backend: Any, relation: str, spec: MeasureSpec, context: Context):
    """Yield (breakdown field or "", Ibis expression) for the overall and each breakdown."""
    table = base_table(backend, relation, spec)
    table = table.filter(table[spec.date].notnull())
    key = period_key(table[spec.date], spec.grain, context.calendar, spec.date_kind)
    table = table.mutate(**{PERIOD: key})
    for breakdown in ("", *spec.breakdowns):
        keys = [PERIOD, *([breakdown] if breakdown else [])]
        grouped = table
        if spec.aggregate == "latest":
            # A snapshot measure: sum the rows of the last date on record in each group.
            last = grouped[spec.date].max().over(group_by=[grouped[key] for key in keys])
            grouped = grouped.filter(grouped[spec.date] == last)
        yield breakdown, grouped.group_by(keys).aggregate(**aggregations(grouped, spec))


def backlog_expressions(backend: Any, relation: str, spec: MeasureSpec, context: Context):
    """Yield (breakdown, opened-per-period expression, closed-per-period expression)."""
    assert spec.closed is not None
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
    backend: Any, relation: str, spec: MeasureSpec, calendar: FiscalCalendar
) -> tuple[dt.date, dt.date] | None:
    """Return the first and last date of the whole dataset (unfiltered), or None if empty."""
    table = backend.table(relation)
    row = backend.to_pyarrow(
        table.aggregate(first=table[spec.date].min(), last=table[spec.date].max())
    ).to_pylist()[0]
    if row["first"] is None:
        return None
    if spec.date_kind == "year":
        first = period_from_key(int(row["first"]), spec.grain, calendar)
        last = period_from_key(int(row["last"]), spec.grain, calendar)
        return first.start, last.end
    return as_date(row["first"]), as_date(row["last"])


def as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[no-any-return]


def compute_spec(
    backend: Any,
    relation: str,
    spec: MeasureSpec,
    context: Context,
    span: tuple[dt.date, dt.date] | None = None,
) -> list[ComputedValue]:
    """Return the measure's values per period and breakdown, computed on the warehouse."""
    if spec.aggregate == "rate_per_1000" and not context.population:
        raise ComputeError(
            "a rate per 1,000 residents needs the city's population; set population in city.yaml."
        )
    span = span if span is not None else data_span(backend, relation, spec, context.calendar)
    if span is None:
        return []
    all_periods = periods_between(
        period_of(span[0], spec.grain, context.calendar),
        period_of(span[1], spec.grain, context.calendar),
        context.calendar,
    )
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]] = defaultdict(dict)
    if spec.aggregate == "backlog":
        for breakdown, opened, closed in backlog_expressions(backend, relation, spec, context):
            collect_backlog(backend, spec, context, breakdown, opened, closed, all_periods, groups)
    else:
        for breakdown, expression in grouped_expressions(backend, relation, spec, context):
            for row in backend.to_pyarrow(expression).to_pylist():
                period = period_from_key(row.pop(PERIOD), spec.grain, context.calendar)
                value = label(row.pop(breakdown)) if breakdown else ""
                groups[(breakdown, value)][period] = row
    if spec.aggregate in ADDITIVE:
        groups.setdefault(("", ""), {})  # no matching rows is a count of 0, not "no data"
    return finish(groups, spec, context, all_periods, span[1])


def label(value: Any) -> str:
    if value is None:
        return NOT_RECORDED
    return str(value)


def collect_backlog(backend, spec, context, breakdown, opened, closed, all_periods, groups):  # type: ignore[no-untyped-def]
    """Open at a period's end = everything opened up to then − everything closed up to then."""
    changes: dict[tuple[str, Period], float] = defaultdict(float)
    for sign, expression in ((1, opened), (-1, closed)):
        for row in backend.to_pyarrow(expression).to_pylist():
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
    last_day: dt.date,
) -> list[ComputedValue]:
    """Fill gaps, build fiscal-year-to-date sums, and turn parts into values."""
    results: list[ComputedValue] = []
    additive = spec.aggregate in ADDITIVE
    for (breakdown, value), rows in sorted(groups.items()):
        periods = all_periods if additive else sorted(rows)
        running: dict[str, float] = {}
        running_year: int | None = None
        for period in periods:
            row = rows.get(period) or ({"value": 0, "numerator": 0} if additive else {})
            parts = {key: number(row.get(key)) for key in ("value", "numerator", "denominator")}
            if spec.cumulative:
                year = context.calendar.fiscal_year_of(period.start)
                if year != running_year:
                    running, running_year = {}, year
                for key, amount in parts.items():
                    if amount is not None:
                        running[key] = running.get(key, 0.0) + amount
                parts = {key: running.get(key) for key in parts}
            results.append(
                ComputedValue(
                    period=period,
                    value=final_value(parts, spec, context),
                    numerator=parts["numerator"],
                    denominator=denominator(parts, spec, context),
                    breakdown=breakdown,
                    breakdown_value=value,
                    is_partial=additive and period.end > last_day,
                )
            )
    return results


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def denominator(
    parts: dict[str, float | None], spec: MeasureSpec, context: Context
) -> float | None:
    if spec.aggregate == "rate_per_1000":
        return float(context.population or 0)
    return parts["denominator"]


def final_value(
    parts: dict[str, float | None], spec: MeasureSpec, context: Context
) -> float | None:
    if spec.aggregate in ("mean", "share", "ratio"):
        top, bottom = parts["numerator"], parts["denominator"]
        # A zero denominator gives no value for the period ("no data"), never a crash.
        if top is None or not bottom:
            return None
        return top / bottom * spec.scale
    if spec.aggregate == "rate_per_1000":
        top = parts["numerator"] or 0.0
        return top * 1000 / float(context.population or 1) * spec.scale
    value = parts["value"]
    return None if value is None else value * spec.scale
