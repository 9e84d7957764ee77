"""The aggregate registry: one record per `aggregate` a measure spec may name.

Each record holds what the spec checker (spec.py) and the compiler (engine.py) need to
know of an aggregate, the kind of checked spec it takes (kinds.py), and the line
docs/measures.md shows for it: adding an aggregate is an entry here (with a kind of its
own only if none of kinds.py fits), a test and its docs line (CONTRIBUTING.md, "A new
aggregate").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import ibis.expr.types as ir
from ibis.common.deferred import Deferred

from citystat.lib.survey_shares import share_parts
from citystat.plan.compute.kinds import (
    BacklogSpec,
    BaseSpec,
    CountSpec,
    FieldSpec,
    Part,
    PercentileSpec,
    RateSpec,
    RatioSpec,
    ShareSpec,
    SurveyShareSpec,
)

AggregateName = Literal[
    "count",
    "sum",
    "mean",
    "median",
    "percentile",
    "distinct_count",
    "share",
    "backlog",
    "latest",
    "ratio",
    "rate_per_1000",
]
# What an aggregate's `field` must be: none, any field, a number (or a duration), or a
# number the spec may leave out.
FieldRule = Literal["none", "any", "number", "optional number"]
# How a period's value comes from its parts: the value itself, numerator ÷ denominator,
# or the numerator per 1,000 residents.
ValueRule = Literal["value", "quotient", "per_1000"]
# A builder takes a spec of its entry's kind (`Aggregate.spec`), which engine.aggregations
# checks before calling it: a registry of many kinds cannot say so in one type.
Builder = Callable[[ir.Table, Any], dict[str, ir.Scalar]]
# The kind each field rule takes when an entry names none (a `max`, like `sum`, takes a
# FieldSpec).
KIND_OF_FIELD_RULE: dict[FieldRule, type[BaseSpec]] = {
    "none": CountSpec,
    "any": FieldSpec,
    "number": FieldSpec,
    "optional number": RateSpec,
}


@dataclass(frozen=True)
class Aggregate:
    """What an aggregate takes, how it adds up, how it is built, and its docs line."""

    name: AggregateName
    # Builds the named aggregate expressions for one group of rows; a backlog, which is
    # a running difference of two counts, is built by engine.backlog_expressions.
    build: Builder | None
    docs_needs: str
    docs_value: str
    field: FieldRule = "none"
    # Its fiscal-year-to-date value can be built from per-period parts.
    cumulative_ok: bool = False
    # Its value for a period only grows as rows arrive: a period the data does not yet
    # cover to its end is partial, and zero fills a period with no rows.
    additive: bool = False
    # Its parts are sums: the overall value is the sum of the breakdowns' parts.
    summable: bool = False
    value: ValueRule = "value"
    default_scale: float = 1.0
    # It places rows within a period (last date on record, opened and closed), which a
    # year field cannot do.
    needs_dates: bool = False
    # Only the rows of the last date on record in each group count (snapshots).
    last_date_only: bool = False
    takes_percentile: bool = False
    takes_condition: bool = False
    takes_closed: bool = False
    takes_parts: bool = False
    takes_survey: bool = False
    # The class of its checked spec (kinds.py); by default the one its field rule takes.
    # A share with `survey` is checked into the kind's SurveyShareSpec.
    spec: type[BaseSpec] | None = None

    def __post_init__(self) -> None:
        if self.spec is None:
            object.__setattr__(self, "spec", KIND_OF_FIELD_RULE[self.field])

    @property
    def kind(self) -> type[BaseSpec]:
        """Return the class of the entry's checked spec."""
        assert self.spec is not None  # set by __post_init__
        return self.spec


def resolve(condition: Deferred, table: ir.Table) -> ir.BooleanValue:
    return condition.resolve(table)


def field_value(table: ir.Table, spec: FieldSpec) -> ir.NumericColumn:
    """Return the spec's field: a column, or the duration it computes from two."""
    return measured(table, spec.field, spec.field_expression)


def measured(table: ir.Table, field: str, expression: Deferred | None) -> ir.NumericColumn:
    """Return a column, or the duration (`expression`) a field written as one computes."""
    if expression is not None:
        return expression.resolve(table)
    return table[field]


def part_expression(table: ir.Table, part: Part) -> ir.Scalar:
    if part.aggregate == "count":
        if part.filter is None:
            return table.count()
        return resolve(part.filter, table).ifelse(1, 0).sum()
    assert part.field is not None  # a sum part names its field (spec.py)
    column = table[part.field]
    if part.filter is None:
        return column.sum()
    return resolve(part.filter, table).ifelse(column, 0).sum()


def build_count(table: ir.Table, spec: CountSpec) -> dict[str, ir.Scalar]:
    return {"value": table.count()}


def build_sum(table: ir.Table, spec: FieldSpec) -> dict[str, ir.Scalar]:
    return {"value": field_value(table, spec).sum()}


def build_mean(table: ir.Table, spec: FieldSpec) -> dict[str, ir.Scalar]:
    column = field_value(table, spec)
    return {"numerator": column.sum(), "denominator": column.count()}


def build_median(table: ir.Table, spec: FieldSpec) -> dict[str, ir.Scalar]:
    return {"value": field_value(table, spec).median()}


def build_percentile(table: ir.Table, spec: PercentileSpec) -> dict[str, ir.Scalar]:
    return {"value": field_value(table, spec).quantile(spec.percentile / 100)}


def build_distinct_count(table: ir.Table, spec: FieldSpec) -> dict[str, ir.Scalar]:
    return {"value": table[spec.field].nunique()}


def build_share(table: ir.Table, spec: ShareSpec) -> dict[str, ir.Scalar]:
    condition = resolve(spec.condition, table)
    # Survey shares are summed by the one module the survey pages use too.
    if isinstance(spec, SurveyShareSpec):
        weight = table[spec.weight].cast("float64") if spec.weight else None
        return share_parts(condition, table.count(), weight)
    return {"numerator": condition.ifelse(1, 0).sum(), "denominator": table.count()}


def build_ratio(table: ir.Table, spec: RatioSpec) -> dict[str, ir.Scalar]:
    return {
        "numerator": part_expression(table, spec.numerator),
        "denominator": part_expression(table, spec.denominator),
    }


def build_rate_per_1000(table: ir.Table, spec: RateSpec) -> dict[str, ir.Scalar]:
    if spec.field is None:
        return {"numerator": table.count()}
    return {"numerator": measured(table, spec.field, spec.field_expression).sum()}


REGISTRY: dict[AggregateName, Aggregate] = {
    entry.name: entry
    for entry in (
        Aggregate(
            "count",
            build_count,
            "",
            "rows",
            cumulative_ok=True,
            additive=True,
            summable=True,
            spec=CountSpec,
        ),
        Aggregate(
            "sum",
            build_sum,
            "`field` (number or [duration](#durations))",
            "sum of the field",
            field="number",
            cumulative_ok=True,
            additive=True,
            summable=True,
            spec=FieldSpec,
        ),
        Aggregate(
            "mean",
            build_mean,
            "`field` (number or duration)",
            "sum ÷ rows with a value (numerator and denominator stored)",
            field="number",
            cumulative_ok=True,
            summable=True,
            value="quotient",
            spec=FieldSpec,
        ),
        Aggregate(
            "median",
            build_median,
            "`field` (number or duration)",
            "the middle value, interpolated between the two middle ones",
            field="number",
            spec=FieldSpec,
        ),
        Aggregate(
            "percentile",
            build_percentile,
            "`field` (number or duration), `percentile` (0–100)",
            "the percentile, interpolated (`percentile: 90` of 1, 2, 5, 10 is 8.5)",
            field="number",
            takes_percentile=True,
            spec=PercentileSpec,
        ),
        Aggregate(
            "distinct_count",
            build_distinct_count,
            "`field`",
            "different values of the field",
            field="any",
            additive=True,
            spec=FieldSpec,
        ),
        Aggregate(
            "share",
            build_share,
            "`condition`",
            "rows meeting the condition ÷ rows, × 100 (`scale` changes the 100); a row "
            "whose condition is unknown does not meet it",
            cumulative_ok=True,
            summable=True,
            value="quotient",
            default_scale=100.0,
            takes_condition=True,
            takes_survey=True,
            spec=ShareSpec,
        ),
        Aggregate(
            "backlog",
            None,
            "`closed` (date field)",
            "rows opened on or before the period's last day and not closed by then",
            additive=True,
            needs_dates=True,
            takes_closed=True,
            spec=BacklogSpec,
        ),
        Aggregate(
            "latest",
            build_sum,
            "`field` (number)",
            "sum of the field over the rows of the last date on record in the period "
            "(snapshots such as filled positions)",
            field="number",
            needs_dates=True,
            last_date_only=True,
            spec=FieldSpec,
        ),
        Aggregate(
            "ratio",
            build_ratio,
            "`numerator`, `denominator`, optional `scale`",
            "`numerator ÷ denominator × scale`; each is `{aggregate: count or sum, field, "
            "filter}` or `{measure: <slug>}` (below)",
            cumulative_ok=True,
            summable=True,
            value="quotient",
            takes_parts=True,
            spec=RatioSpec,
        ),
        Aggregate(
            "rate_per_1000",
            build_rate_per_1000,
            "optional `field`",
            "rows (or the field's sum) × 1,000 ÷ the city's population (`population` in city.yaml)",
            field="optional number",
            cumulative_ok=True,
            additive=True,
            summable=True,
            value="per_1000",
            spec=RateSpec,
        ),
    )
}
# The names in the order docs/measures.md and the staff builder list them.
AGGREGATES: tuple[AggregateName, ...] = tuple(REGISTRY)


def aggregate_of(name: str) -> Aggregate:
    """Return the registry entry of a checked spec's aggregate."""
    return REGISTRY[name]  # type: ignore[index]


def names_where(flag: str) -> list[str]:
    """Return the aggregates whose boolean `flag` is set, in registry order."""
    return [name for name, entry in REGISTRY.items() if getattr(entry, flag)]


def docs_table() -> str:
    """Return the Markdown table of aggregates that docs/measures.md shows."""
    lines = ["| `aggregate` | needs | value of a period |", "| --- | --- | --- |"]
    for entry in REGISTRY.values():
        needs = f" {entry.docs_needs} " if entry.docs_needs else " "
        lines.append(f"| `{entry.name}` |{needs}| {entry.docs_value} |")
    return "\n".join(lines)
