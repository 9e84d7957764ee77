"""Our measure specs as SoQL, so a Socrata portal computes them on the peer's own rows.

A spec is translated when SoQL can say all of it: counts, sums, means, shares, ratios of
counts and sums and rates per 1,000 residents, over filters made of comparisons, `and`,
`or`, `not`, `in`, `is null` and arithmetic. The portal groups by day (or month, or year,
whichever the grain nests in) and answers one row per group with the parts that add up;
they are rolled up into the spec's periods here and finished by the same code that
computes our own values (plan/compute/engine.finish), so nothing is computed twice in two
ways. Everything else (durations, medians, percentiles, distinct counts, snapshots,
backlogs, `group_of`, `like`) raises NotExpressible naming what SoQL cannot say; the
caller then pages the rows through instead (peers/sources.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from citystat.lib.errors import CitystatError
from citystat.lib.periods import FiscalCalendar
from citystat.plan.compute.kinds import (
    CountSpec,
    FieldSpec,
    MeasureSpec,
    RateSpec,
    RatioSpec,
    ShareSpec,
    SurveyShareSpec,
)
from citystat.plan.compute.spec import is_expression

# Aggregations whose parts are sums of rows, so a portal's per-day sums roll up exactly.
TRANSLATED = {"count", "sum", "mean", "share", "ratio", "rate_per_1000"}
COMPARISONS = {
    exp.EQ: "=",
    exp.NEQ: "!=",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
}
ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}
# The answer's column names; SoQL refuses an alias that is also a column's name, so these
# are unlikely ones.
PERIOD_ALIAS = "peer_period_key"


class NotExpressible(CitystatError):
    """A spec, or a part of one, that SoQL cannot express."""


@dataclass(frozen=True)
class SoqlQuery:
    """The query parameters of one SoQL request, and the parts it answers."""

    select: str
    where: str
    group: str
    parts: tuple[str, ...]  # the aliases of the part columns, named as engine.PARTS names

    def parameters(self) -> dict[str, str]:
        return {
            "$select": self.select,
            "$where": self.where,
            "$group": self.group,
            "$order": PERIOD_ALIAS,
        }


def quote(name: str) -> str:
    """Return a SoQL identifier: Socrata's backticks around any name (`CREATION DATE`)."""
    if "`" in name:
        raise NotExpressible(f"column {name!r} has a backtick, which SoQL cannot quote.")
    return f"`{name}`"


def string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Renderer:
    """Render an allowed filter tree as SoQL, renaming our fields to the peer's columns."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.columns = columns

    def render(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Paren):
            return f"({self.render(node.this)})"
        if isinstance(node, exp.Column):
            if node.table or node.name not in self.columns:
                raise NotExpressible(f"the column map has no column for field {node.name!r}.")
            return quote(self.columns[node.name])
        if isinstance(node, exp.Literal):
            if node.is_string:
                return string(node.this)
            return str(float(node.this)) if "." in node.this else str(int(node.this))
        if isinstance(node, exp.Boolean):
            return "true" if node.this else "false"
        if isinstance(node, exp.Null):
            return "null"
        if isinstance(node, exp.And | exp.Or):
            word = "AND" if isinstance(node, exp.And) else "OR"
            return f"({self.render(node.this)} {word} {self.render(node.expression)})"
        if isinstance(node, exp.Not):
            if isinstance(node.this, exp.Is):
                return f"{self.render(node.this.this)} IS NOT NULL"
            return f"NOT ({self.render(node.this)})"
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return f"{self.render(node.this)} IS NULL"
        if isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
            items = ", ".join(self.render(item) for item in node.expressions)
            return f"{self.render(node.this)} IN ({items})"
        if isinstance(node, exp.Neg):
            return f"-({self.render(node.this)})"
        for kind, symbol in {**COMPARISONS, **ARITHMETIC}.items():
            if isinstance(node, kind):
                return f"({self.render(node.this)} {symbol} {self.render(node.expression)})"
        what = node.sql(dialect="duckdb") if node is not None else "?"
        raise NotExpressible(f"SoQL has no equivalent of {what!r} here.")


def render_filter(text: str, columns: dict[str, str]) -> str:
    """Return our filter `text` as SoQL over the peer's columns, or raise NotExpressible."""
    tree: Any = sqlglot.parse_one(text, read="duckdb")
    return Renderer(columns).render(tree)


def period_grouping(grain: str, calendar: FiscalCalendar, column: str) -> str:
    """Return the SoQL truncation whose groups nest inside every period of `grain`."""
    if grain == "year":
        return f"date_trunc_y({column})"
    if grain in ("month", "quarter") or (grain == "fiscal_year" and calendar.start_day == 1):
        return f"date_trunc_ym({column})"
    return f"date_trunc_ymd({column})"


def translate(spec: MeasureSpec, columns: dict[str, str], calendar: FiscalCalendar) -> SoqlQuery:
    """Return the SoQL that computes `spec`'s per-group parts, or raise NotExpressible."""
    raw = spec.source
    if spec.aggregate not in TRANSLATED:
        raise NotExpressible(f"SoQL cannot compute a {spec.aggregate} that adds up by period.")
    if isinstance(spec, SurveyShareSpec):
        raise NotExpressible("a survey share carries an interval SoQL does not compute.")
    if spec.date_kind != "date":
        raise NotExpressible("a year held in a number field is not grouped by SoQL here.")
    if is_expression(raw.get("field")) and raw.get("field") not in columns:
        raise NotExpressible(f"the duration {raw['field']!r} has no SoQL function on every portal.")
    date = quote(mapped(spec.date, columns))
    where = [f"{date} IS NOT NULL"]
    if raw.get("filter"):
        where.append(f"({render_filter(raw['filter'], columns)})")
    parts = part_columns(spec, raw, columns)
    select = ", ".join(
        [f"{period_grouping(spec.grain, calendar, date)} AS {PERIOD_ALIAS}"]
        + [f"{expression} AS peer_{name}" for name, expression in parts.items()]
    )
    return SoqlQuery(
        select=select,
        where=" AND ".join(where),
        group=period_grouping(spec.grain, calendar, date),
        parts=tuple(parts),
    )


def mapped(field: str | None, columns: dict[str, str]) -> str:
    if field is None or field not in columns:
        raise NotExpressible(f"the column map has no column for field {field!r}.")
    return columns[field]


def part_columns(spec: MeasureSpec, raw: dict[str, Any], columns: dict[str, str]) -> dict[str, str]:
    """Return {part name: SoQL aggregate}, the parts engine.finish turns into a value."""
    match spec:
        case CountSpec():
            return {"value": "count(*)"}
        case FieldSpec(aggregate="sum"):
            return {"value": f"sum({quote(mapped(spec.field, columns))})"}
        case FieldSpec(aggregate="mean"):
            field = quote(mapped(spec.field, columns))
            return {"numerator": f"sum({field})", "denominator": f"count({field})"}
        case RateSpec(field=str(name)):
            return {"numerator": f"sum({quote(mapped(name, columns))})"}
        case RateSpec():
            return {"numerator": "count(*)"}
        case ShareSpec():
            condition = render_filter(raw["condition"], columns)
            return {"numerator": f"sum(case({condition}, 1, true, 0))", "denominator": "count(*)"}
        case RatioSpec():
            pass
        case _:
            raise NotExpressible(f"SoQL cannot compute a {spec.aggregate} that adds up by period.")
    result = {}
    for name in ("numerator", "denominator"):
        part = raw.get(name) or {}
        if "measure" in part:
            raise NotExpressible("a ratio of two measures is computed from each measure.")
        value = quote(mapped(part.get("field"), columns)) if part.get("aggregate") == "sum" else "1"
        if part.get("filter"):
            condition = render_filter(part["filter"], columns)
            result[name] = f"sum(case({condition}, {value}, true, 0))"
        else:
            result[name] = f"sum({value})" if value != "1" else "count(*)"
    return result
