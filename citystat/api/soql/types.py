"""SoQL's types, inferred before a query runs, so a mismatch is refused where it stands.

Each value of a clause has one of Socrata's types: `text`, `number`, `checkbox`,
`floating_timestamp` or `point`, read from the public columns' types and the functions'
signatures. An operator, function or aggregate given a value it does not take is refused
with Socrata's `query.soql.type-mismatch`, the character where the value stands and,
where one exists, a suggestion (`type > 3`: "Did you mean '3'?").

Socrata's rules: a text literal may stand for a date (`created_date > '2020-01-01'`), for
a number it spells (`days = '5'`) or for a checkbox (`'true'`); numbers and text do not
otherwise mix; `like` takes text; `sum`, `avg` and the other statistics take numbers.

The check only refuses what it knows to be wrong: a value whose type it cannot tell (an
alias of `$select`, a column of another type) passes, and the engine's own refusal stays
behind it (api/soda.py `execute`), so the check can never refuse a query it does not
understand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import cast

from sqlglot import exp

from citystat.api.soql.expressions import (
    EXTRACTIONS,
    POINT_COLUMN,
    TRUNCATIONS,
    TWO_ARGUMENTS,
    Builder,
    SoqlError,
)

TEXT, NUMBER, CHECKBOX, TIMESTAMP, POINT = (
    "text", "number", "checkbox", "floating_timestamp", "point",
)  # fmt: skip
# A null fits wherever a value does.
NULL = "null"
# The SoQL type of each Table Schema type. A time of day is left out: engines compare it
# with text that spells a time, which SoQL's types cannot say, so it is left to them.
FIELD_TYPES = {
    "string": TEXT,
    "integer": NUMBER,
    "number": NUMBER,
    "year": NUMBER,
    "boolean": CHECKBOX,
    "date": TIMESTAMP,
    "datetime": TIMESTAMP,
}
SYSTEM_TYPES = {"id": TEXT, "created_at": TIMESTAMP, "updated_at": TIMESTAMP}
COMPARISONS: dict[type[exp.Expression], str] = {
    exp.EQ: "op$=",
    exp.NEQ: "op$!=",
    exp.GT: "op$>",
    exp.GTE: "op$>=",
    exp.LT: "op$<",
    exp.LTE: "op$<=",
}
ARITHMETIC: dict[type[exp.Expression], str] = {
    exp.Add: "op$+",
    exp.Sub: "op$-",
    exp.Mul: "op$*",
    exp.Div: "op$/",
    exp.Mod: "op$%",
    exp.Pow: "op$^",
}
LOGIC: dict[type[exp.Expression], str] = {exp.And: "op$and", exp.Or: "op$or"}
# Aggregates that compute on numbers, by the name SoQL gives them.
NUMERIC_AGGREGATES: dict[type[exp.Expression], str] = {
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.StddevPop: "stddev_pop",
    exp.StddevSamp: "stddev_samp",
    exp.RegrSlope: "regr_slope",
    exp.RegrIntercept: "regr_intercept",
    exp.RegrR2: "regr_r2",
}


@dataclass(frozen=True)
class Typed:
    """A value's SoQL type (None when it cannot be told) and, for a literal, its text."""

    kind: str | None
    literal: str | None = None
    node: exp.Expression | None = None


UNKNOWN = Typed(None)


def check(node: exp.Expression, builder: Builder) -> None:
    """Refuse `node`, one whole item of a clause, if a value in it has the wrong type."""
    infer(node, builder)


def fits(value: Typed, wanted: str | None) -> bool:
    """Whether `value` may stand where a value of type `wanted` is taken."""
    if value.kind in (None, NULL) or wanted in (None, NULL) or value.kind == wanted:
        return True
    if value.kind != TEXT or value.literal is None:
        return False
    if wanted == TIMESTAMP:
        return True
    if wanted == NUMBER:
        try:
            return Decimal(value.literal.strip()).is_finite()
        except InvalidOperation:
            return False
    return wanted == CHECKBOX and value.literal.strip().lower() in ("true", "false")


def mismatch(builder: Builder, function: str, wanted: str, value: Typed) -> SoqlError:
    """Return Socrata's type-mismatch error for `value` given where `wanted` is taken."""
    message = f"{builder.clause}: Type mismatch for {function}, is {wanted}, was {value.kind}"
    data: dict[str, object] = {
        "clause": builder.clause,
        "function": function,
        "expected": wanted,
        "actual": value.kind,
    }
    start = first_character(value.node) if value.node is not None else None
    if start is not None:
        data["position"] = {"row": 1, "column": start}
        message += f". At character {start}"
    message += "."
    suggestion = suggest(wanted, value)
    if suggestion is not None:
        data["suggestion"] = suggestion
        message += f" Did you mean {suggestion}?"
    return SoqlError(message, "query.soql.type-mismatch", data)


def suggest(wanted: str, value: Typed) -> str | None:
    """A number written where text is taken is most likely meant as text: quote it."""
    if wanted == TEXT and value.kind == NUMBER and value.literal is not None:
        return f"'{value.literal}'"
    return None


def first_character(node: exp.Expression) -> int | None:
    """Return where `node` starts in its clause's text (1 is the first character): the
    earliest position sqlglot kept on any part of it."""
    starts = [
        int(part.meta["start"])
        for part in node.walk()
        if isinstance(part, exp.Expression) and "start" in part.meta
    ]
    return min(starts) + 1 if starts else None


def expect(builder: Builder, function: str, wanted: str, value: Typed) -> None:
    if not fits(value, wanted):
        raise mismatch(builder, function, wanted, value)


def unify(builder: Builder, function: str, values: list[Typed]) -> str | None:
    """Check that `values` can be compared with each other; return their common type.

    The type is the first one a column or expression gives (a literal adapts to it, as
    `'2020-01-01'` to a date), else the first literal's.
    """
    known = [value for value in values if value.kind not in (None, NULL)]
    if not known:
        return None
    anchors = [value for value in known if value.literal is None]
    anchor = anchors[0] if anchors else known[0]
    wanted = cast(str, anchor.kind)
    for value in known:
        if value is anchor or fits(value, wanted):
            continue
        if anchors or not fits(anchor, value.kind or NULL):
            raise mismatch(builder, function, wanted, value)
    return wanted


def infer(node: exp.Expression, builder: Builder) -> Typed:
    """Return the type of `node` (already known to be SoQL the builder accepts)."""
    at: Callable[..., Typed] = lambda kind, literal=None: Typed(kind, literal, node)  # noqa: E731
    walk: Callable[[exp.Expression], Typed] = lambda child: infer(child, builder)  # noqa: E731
    if isinstance(node, exp.Paren):
        inner = walk(node.this)
        return Typed(inner.kind, inner.literal, node)
    if isinstance(node, exp.Literal):
        return at(TEXT if node.is_string else NUMBER, str(node.this))
    if isinstance(node, exp.Boolean):
        return at(CHECKBOX)
    if isinstance(node, exp.Null):
        return at(NULL)
    if isinstance(node, exp.Column):
        return at(column_type(node.name, builder))
    if isinstance(node, exp.Placeholder):
        name = str(node.name).lower()
        return at(SYSTEM_TYPES.get(name) if name in builder.system else None)
    if isinstance(node, exp.Neg):
        inner = walk(node.this)
        expect(builder, "op$-", NUMBER, inner)
        literal = f"-{inner.literal}" if inner.kind == NUMBER and inner.literal else None
        return at(NUMBER, literal)
    if isinstance(node, exp.Not):
        expect(builder, "op$not", CHECKBOX, walk(node.this))
        return at(CHECKBOX)
    if isinstance(node, tuple(LOGIC)):
        for side in (node.this, node.expression):
            expect(builder, LOGIC[type(node)], CHECKBOX, walk(side))
        return at(CHECKBOX)
    if isinstance(node, tuple(COMPARISONS)):
        unify(builder, COMPARISONS[type(node)], [walk(node.this), walk(node.expression)])
        return at(CHECKBOX)
    if isinstance(node, tuple(ARITHMETIC)):
        for side in (node.this, node.expression):
            expect(builder, ARITHMETIC[type(node)], NUMBER, walk(side))
        return at(NUMBER)
    if isinstance(node, exp.DPipe):
        # Any value joins as the text the engine writes (expressions.Builder).
        for side in (node.this, node.expression):
            walk(side)
        return at(TEXT)
    if isinstance(node, exp.Is):
        walk(node.this)
        return at(CHECKBOX)
    if isinstance(node, exp.Between):
        values = [walk(node.this), walk(node.args["low"]), walk(node.args["high"])]
        unify(builder, "op$between", values)
        return at(CHECKBOX)
    if isinstance(node, exp.In):
        unify(builder, "op$in", [walk(node.this), *[walk(e) for e in node.expressions]])
        return at(CHECKBOX)
    if isinstance(node, exp.Like | exp.ILike):
        function = "op$like" if isinstance(node, exp.Like) else "op$ilike"
        for side in (node.this, node.expression):
            expect(builder, function, TEXT, walk(side))
        return at(CHECKBOX)
    if isinstance(node, exp.Upper | exp.Lower):
        expect(builder, node.key, TEXT, walk(node.this))
        return at(TEXT)
    if isinstance(node, exp.StartsWith):
        for side in (node.this, node.expression):
            expect(builder, "starts_with", TEXT, walk(side))
        return at(CHECKBOX)
    if isinstance(node, exp.Ln):
        expect(builder, "ln", NUMBER, walk(node.this))
        return at(NUMBER)
    if isinstance(node, exp.Coalesce | exp.Greatest | exp.Least):
        values = [walk(node.this), *[walk(e) for e in node.expressions]]
        return at(unify(builder, node.key, values))
    if isinstance(node, exp.Count):
        inner = node.this
        if isinstance(inner, exp.Distinct):
            walk(inner.expressions[0])
        elif inner is not None and not isinstance(inner, exp.Star):
            walk(inner)
        return at(NUMBER)
    if isinstance(node, tuple(NUMERIC_AGGREGATES)):
        name = NUMERIC_AGGREGATES[type(node)]
        arguments = [node.this, node.expression] if isinstance(node, TWO_ARGUMENTS) else [node.this]
        for argument in arguments:
            expect(builder, name, NUMBER, walk(argument))
        return at(NUMBER)
    if isinstance(node, exp.Min | exp.Max):
        return at(walk(node.this).kind)
    if isinstance(node, exp.Anonymous):
        return anonymous(node, builder)
    return at(None)


def anonymous(node: exp.Anonymous, builder: Builder) -> Typed:
    """Return the type of a SoQL function the parser does not know by class."""
    name = str(node.this).lower()
    if name in ("within_box", "within_circle"):
        # Its arguments are checked where it is rebuilt (expressions.Builder.geography).
        return Typed(CHECKBOX, node=node)
    arguments = [infer(argument, builder) for argument in node.expressions]
    if name == "case":
        for condition in arguments[::2]:
            expect(builder, name, CHECKBOX, condition)
        return Typed(unify(builder, name, arguments[1::2]), node=node)
    if name in TRUNCATIONS or name in EXTRACTIONS:
        expect(builder, name, TIMESTAMP, arguments[0])
        return Typed(TIMESTAMP if name in TRUNCATIONS else NUMBER, node=node)
    return Typed(None, node=node)


def column_type(name: str, builder: Builder) -> str | None:
    if name in builder.columns:
        return FIELD_TYPES.get(builder.columns[name].field_type)
    if name == POINT_COLUMN and builder.point is not None:
        return POINT
    # An alias of $select: its type is left to the engine.
    return None
