"""The filter language of measure specs: parsed by sqlglot, checked, translated to Ibis.

A filter is a small boolean expression over a dataset's fields, such as
`category = 'Trash / Recycling' and days_to_close <= 7`; comparisons may do arithmetic
(`+ - * /`, parentheses) on number fields, such as `(e01 + e02 + e03) / 3 >= 4`, and on
durations between two date or datetime fields, `days_between(created, closed) <= 7` and
`hours_between(created, closed)` (see `duration`). The text is parsed into an AST, every
node is checked against an allow-list and every field against the dataset's Table Schema,
and the allowed AST is translated into an Ibis expression here. The text itself never reaches SQL.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import operator
from collections.abc import Callable
from typing import Any

import sqlglot
from ibis import _
from ibis.common.deferred import Deferred
from sqlglot import exp

from citystat.catalog.status_groups import codes_in
from citystat.lib.errors import CitystatError

NUMERIC = {"integer", "number", "year"}
TEMPORAL = {"date", "datetime"}
COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
}


# Durations between two date or datetime fields: the number of seconds in each unit.
DURATIONS = {"days_between": 86_400, "hours_between": 3_600}


class FilterError(CitystatError):
    pass


def did_you_mean(name: str, known: list[str]) -> str:
    """Return " — did you mean 'x'?" when a known name is close to `name`."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""


def unknown_field(name: str, fields: dict[str, str]) -> FilterError:
    return FilterError(f"unknown field {name!r}{did_you_mean(name, sorted(fields))}")


def compile_filter(
    text: str, fields: dict[str, str], groups: dict[str, dict[str, list[str]]] | None = None
) -> Deferred:
    """Return the Ibis (deferred) boolean expression for filter `text`, or raise FilterError.

    `fields` maps each field name of the dataset to its Table Schema type; `groups` maps a
    field with status groups to them (catalog/status_groups.py), for `group_of(status)`.
    """
    # Parsing is most of a spec check, and every compute checks every spec again: a
    # filter is compiled once per text, fields and groups (a Deferred is immutable).
    return compiled_filter(
        text, tuple(sorted(fields.items())), json.dumps(groups or {}, sort_keys=True)
    )


@functools.lru_cache(maxsize=4096)
def compiled_filter(text: str, fields: tuple[tuple[str, str], ...], groups: str) -> Deferred:
    try:
        tree: Any = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as error:
        first = str(error).splitlines()[0] if str(error) else "cannot parse"
        raise FilterError(f"cannot read {text!r}: {first}") from None
    translator = Translator(dict(fields), json.loads(groups))
    if not translator.is_boolean(tree):
        raise FilterError(
            f"{text!r} is not a condition; write a comparison such as category = 'Pothole'."
        )
    return translator.condition(tree)


def compile_value(text: str, fields: dict[str, str]) -> Deferred:
    """Return the Ibis (deferred) number a spec's `field` computes, such as a duration.

    Only a duration call is allowed (`days_between(created_date, closed_date)`); a plain
    field name is taken by the spec checker itself.
    """
    try:
        tree: Any = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as error:
        first = str(error).splitlines()[0] if str(error) else "cannot parse"
        raise FilterError(f"cannot read {text!r}: {first}") from None
    if not is_duration(tree):
        raise FilterError(
            f"{text!r} is neither a field name nor days_between(a, b) or hours_between(a, b)."
        )
    return Translator(fields).duration(tree)


def is_duration(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() in DURATIONS


def filter_fields(text: str) -> set[str]:
    """Return the names of the fields filter `text` reads; empty when it cannot be parsed.

    The measure privacy rule (spec.withheld_columns) reads this; a filter that does not
    parse is refused by compile_filter anyway.
    """
    return set(fields_named(text))


@functools.lru_cache(maxsize=4096)
def fields_named(text: str) -> frozenset[str]:
    # Each compute reads every public measure's filters again: each text is parsed once.
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError:
        return frozenset()
    return frozenset(column.name for column in tree.find_all(exp.Column))


class Translator:
    """Translate an allowed sqlglot AST into a deferred Ibis expression."""

    def __init__(
        self, fields: dict[str, str], groups: dict[str, dict[str, list[str]]] | None = None
    ) -> None:
        self.fields = fields
        self.groups = groups or {}

    def is_boolean(self, node: exp.Expression) -> bool:
        boolean_nodes = (exp.And, exp.Or, exp.Not, exp.Is, exp.In, exp.Between, exp.StartsWith)
        if isinstance(node, exp.Paren):
            return self.is_boolean(node.this)
        if isinstance(node, exp.Column):
            return self.fields.get(node.name) == "boolean"
        return isinstance(node, (*boolean_nodes, *COMPARISONS))

    def condition(self, node: exp.Expression) -> Deferred:
        if isinstance(node, exp.Paren):
            return self.condition(node.this)
        if isinstance(node, exp.And):
            return self.condition(node.this) & self.condition(node.expression)
        if isinstance(node, exp.Or):
            return self.condition(node.this) | self.condition(node.expression)
        if isinstance(node, exp.Not):
            return ~self.condition(node.this)
        if isinstance(node, exp.Column):
            column, kind = self.column(node)
            if kind != "boolean":
                raise FilterError(f"field {node.name!r} is {kind}, not yes/no; compare it.")
            return column
        if isinstance(node, tuple(COMPARISONS)):
            return self.comparison(node)
        if isinstance(node, exp.Is) and is_duration(node.this):
            if not isinstance(node.expression, exp.Null):
                raise FilterError("write 'is null' or 'is not null'.")
            return self.duration(node.this).isnull()
        if isinstance(node, exp.Between) and is_duration(node.this):
            low = self.literal(node.args["low"], "number", node.this.sql(dialect="duckdb"))
            high = self.literal(node.args["high"], "number", node.this.sql(dialect="duckdb"))
            return self.duration(node.this).between(low, high)
        if isinstance(node, exp.Is):
            column, _kind = self.column(node.this)
            if not isinstance(node.expression, exp.Null):
                raise FilterError("write 'is null' or 'is not null'.")
            return column.isnull()
        if isinstance(node, exp.In) and is_group_of(node.this):
            if node.args.get("query") or not node.expressions:
                raise FilterError("'in' takes a list of groups, such as ('open', 'closed').")
            return self.in_groups(node.this, node.expressions)
        if isinstance(node, exp.In):
            column, kind = self.column(node.this)
            if node.args.get("query") or not node.expressions:
                raise FilterError("'in' takes a list of values, such as status in ('OPEN').")
            values = [self.literal(item, kind, node.this.name) for item in node.expressions]
            return column.isin(values)
        if isinstance(node, exp.Between):
            column, kind = self.column(node.this)
            low = self.literal(node.args["low"], kind, node.this.name)
            high = self.literal(node.args["high"], kind, node.this.name)
            return column.between(low, high)
        if isinstance(node, exp.StartsWith):
            column, kind = self.column(node.this)
            if kind != "string":
                raise FilterError(f"starts_with needs a text field; {node.this.name!r} is {kind}.")
            return column.startswith(self.literal(node.expression, "string", node.this.name))
        raise FilterError(f"{node.sql(dialect='duckdb')!r} is not allowed in a filter.")

    def column(self, node: exp.Expression) -> tuple[Deferred, str]:
        if not isinstance(node, exp.Column) or node.table:
            raise FilterError(
                f"expected a field name, found {node.sql(dialect='duckdb')!r}; "
                "a comparison reads field operator value, such as days_to_close <= 7."
            )
        if node.name not in self.fields:
            raise unknown_field(node.name, self.fields)
        return _[node.name], self.fields[node.name]

    def in_groups(
        self, call: exp.Expression, wanted: list[exp.Expression], negated: bool = False
    ) -> Deferred:
        """Return "the field's code is in one of the `wanted` groups" for group_of(field).

        `negated` asks for the codes of every other group instead. A row whose code is in
        no group (or null) thus matches neither `= 'closed'` nor `!= 'closed'`: it is never
        counted as a group it is not.
        """
        arguments = call.expressions
        if len(arguments) != 1 or not isinstance(arguments[0], exp.Column):
            raise FilterError("group_of takes one field, such as group_of(status) = 'closed'.")
        column, _kind = self.column(arguments[0])
        name = arguments[0].name
        groups = self.groups.get(name)
        if not groups:
            raise FilterError(
                f"field {name!r} has no status groups; list its codes under 'groups' in the "
                "dataset's schema, or compare the field itself."
            )
        names = []
        for item in wanted:
            if not isinstance(item, exp.Literal) or not item.is_string:
                raise FilterError(
                    f"{item.sql(dialect='duckdb')!r} is not a group; write one in quotes, "
                    f"such as 'closed'."
                )
            if item.this not in groups:
                raise FilterError(
                    f"{item.this!r} is not a status group of {name!r}; its groups are "
                    f"{', '.join(groups)}{did_you_mean(item.this, list(groups))}"
                )
            names.append(item.this)
        if negated:
            names = [group for group in groups if group not in names]
        return column.isin(codes_in(groups, names))

    def comparison(self, node: exp.Expression) -> Deferred:
        compare = COMPARISONS[type(node)]
        left, right = node.this, node.expression
        if is_group_of(right) and not is_group_of(left):
            left, right = right, left
        if is_group_of(left):
            if compare not in (operator.eq, operator.ne):
                raise FilterError("compare a status group with = or !=, such as = 'closed'.")
            return self.in_groups(left, [right], negated=compare is operator.ne)
        if is_arithmetic(left) or is_arithmetic(right) or is_duration(left) or is_duration(right):
            return self.arithmetic_comparison(node, compare)
        if not isinstance(left, exp.Column) and isinstance(right, exp.Column):
            # `7 >= days_to_close` reads as `days_to_close <= 7`.
            flipped = {operator.gt: operator.lt, operator.lt: operator.gt}
            flipped |= {operator.ge: operator.le, operator.le: operator.ge}
            compare = flipped.get(compare, compare)
            left, right = right, left
        column, kind = self.column(left)
        if isinstance(right, exp.Column):
            other, other_kind = self.column(right)
            if family(kind) != family(other_kind):
                raise FilterError(
                    f"cannot compare {left.name!r} ({kind}) with {right.name!r} ({other_kind})."
                )
            return compare(column, other)
        return compare(column, self.literal(right, kind, left.name))

    def arithmetic_comparison(
        self, node: exp.Expression, compare: Callable[[Any, Any], Any]
    ) -> Deferred:
        """Compare two sums, differences, products or quotients of number fields and numbers.

        The employee-engagement rule "the mean of six items is at least 4" reads
        `(e01 + e02 + e03 + e04 + e05 + e06) / 6 >= 4`.
        """
        if not any(True for _ in node.find_all(exp.Column)):
            raise FilterError(
                f"{node.sql(dialect='duckdb')!r} names no field; compare a field of the dataset."
            )
        return compare(self.number(node.this), self.number(node.expression))

    def number(self, node: exp.Expression) -> Any:
        """Return the Ibis expression (or Python number) of an arithmetic operand."""
        if isinstance(node, exp.Paren):
            return self.number(node.this)
        if isinstance(node, exp.Neg):
            return -self.number(node.this)
        if is_duration(node):
            return self.duration(node)
        if isinstance(node, exp.Column):
            column, kind = self.column(node)
            if kind not in NUMERIC:
                raise FilterError(
                    f"field {node.name!r} is {kind}; only number fields take part in "
                    "+ - * / arithmetic."
                )
            return column
        if isinstance(node, exp.Literal):
            if node.is_string:
                raise FilterError(f"{node.this!r} is text; arithmetic needs numbers.")
            return (
                float(node.this) if "." in node.this or "e" in node.this.lower() else int(node.this)
            )
        operation = ARITHMETIC.get(type(node))
        if operation is None:
            raise FilterError(
                f"{node.sql(dialect='duckdb')!r} is not allowed in a filter; arithmetic "
                "may use + - * / and parentheses over number fields and numbers."
            )
        left, right = self.number(node.this), self.number(node.expression)
        if isinstance(node, exp.Div):
            if isinstance(right, int | float):
                if right == 0:
                    raise FilterError(f"{node.sql(dialect='duckdb')!r} divides by zero.")
            else:
                # A row whose divisor is 0 has no quotient (null, so it matches nothing),
                # not DuckDB's infinity or NaN, which would compare as huge numbers.
                right = right.nullif(0)
        return operation(left, right)

    def duration(self, node: exp.Expression) -> Any:
        """Return the Ibis expression for `days_between(a, b)` or `hours_between(a, b)`.

        The time from `a` to `b` (negative when `b` is earlier), null when either is null.
        Two date fields give whole days (`b - a`, and 24 hours a day); a datetime on
        either side gives a fraction, a date counting as its midnight. Naive datetimes
        are the city's wall-clock time, so a span across a daylight-saving change counts
        the clock's hour too (docs/measures.md). Every engine compiles these through
        Ibis: DuckDB's, PostgreSQL's and Spark's epoch and date difference functions.
        """
        name = str(node.this).lower()
        arguments = ", ".join(argument.sql(dialect="duckdb") for argument in node.expressions)
        written = f"{name}({arguments})"
        if len(node.expressions) != 2:
            raise FilterError(f"{written!r}: {name} takes two date or datetime fields, (a, b).")
        sides = []
        for argument in node.expressions:
            if not isinstance(argument, exp.Column) or argument.table:
                raise FilterError(
                    f"{written!r}: {name} takes two date or datetime fields, not "
                    f"{argument.sql(dialect='duckdb')!r}."
                )
            column, kind = self.column(argument)
            if kind not in TEMPORAL:
                raise FilterError(
                    f"{name}: field {argument.name!r} is {kind}, not a date or datetime field."
                )
            sides.append((column, kind))
        (start, start_kind), (end, end_kind) = sides
        if start_kind == end_kind == "date":
            days = end.delta(start, unit="day")
            return days if name == "days_between" else days * 24
        seconds = end.cast("timestamp").epoch_seconds() - start.cast("timestamp").epoch_seconds()
        return seconds / DURATIONS[name]

    def literal(self, node: exp.Expression, kind: str, name: str) -> Any:
        """Return the Python value of literal `node`, checked against field type `kind`."""
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
            return -self.literal(node.this, kind, name)
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
            node = node.this  # date '2025-01-31' is the same as '2025-01-31' for a date field
        if isinstance(node, exp.Boolean):
            if kind != "boolean":
                raise FilterError(f"{name!r} is {kind}; it cannot be compared with true/false.")
            return bool(node.this)
        if isinstance(node, exp.Null):
            raise FilterError(f"compare {name!r} with null by writing '{name} is null'.")
        if not isinstance(node, exp.Literal):
            raise FilterError(f"{node.sql(dialect='duckdb')!r} is not a plain value.")
        if kind in TEMPORAL:
            if not node.is_string:
                raise FilterError(f"{name!r} is a date; write the date as '2025-01-31'.")
            try:
                return dt.date.fromisoformat(node.this)
            except ValueError:
                raise FilterError(
                    f"{name!r} is a date and {node.this!r} is text, not a date such as "
                    "'2025-01-31'."
                ) from None
        if kind in NUMERIC:
            if node.is_string:
                raise FilterError(f"{name!r} is a number; write {node.this} without quotes.")
            number = float(node.this)
            return int(number) if kind == "integer" and number.is_integer() else number
        if kind == "boolean":
            raise FilterError(f"{name!r} is yes/no; compare it with true or false.")
        if not node.is_string:
            raise FilterError(f"{name!r} is text; put the value in quotes: '{node.this}'.")
        return str(node.this)


ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
    exp.Div: operator.truediv,
}


def is_group_of(node: exp.Expression) -> bool:
    """Whether `node` is the call group_of(field), the status group of a field's code."""
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == "group_of"


def is_arithmetic(node: exp.Expression) -> bool:
    """Whether `node` is a sum, difference, product or quotient (possibly in parentheses)."""
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    # %, // and ** are refused with a message rather than read as a misplaced field.
    return isinstance(node, (*ARITHMETIC, exp.Mod, exp.IntDiv, exp.Pow))


def family(kind: str) -> str:
    if kind in NUMERIC:
        return "number"
    if kind in TEMPORAL:
        return "date"
    return kind
