"""Rebuild one SoQL expression from the allow-list: functions, operators, columns, literals."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.parser import Parser
from sqlglot.parsers.duckdb import DuckDBParser
from sqlglot.tokens import TokenType

from citystat.api.soql import geometry

MAX_DEPTH = 40
# The dialect compiled queries are rendered in unless the warehouse engine names another.
DIALECT = "duckdb"
# The name of the projection of public columns that every compiled query reads from.
PUBLIC_ROWS = "public_rows"
# The projection's name for a date column as stored (no SoQL name can hold a space).
RAW_DATE = "{} as stored"
# A floating timestamp as SoQL writes a constant: a day, or a day and a time of day.
FLOATING_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$")
# A comparison read from the other side: `'2025-01-01' < created_date` is `created_date > …`.
MIRRORED: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE,
}  # fmt: skip
EARTH_RADIUS_METRES = 6_371_000.0
# The point column a dataset with latitude and longitude has in SoQL, as on Socrata portals.
POINT_COLUMN = "location"
# Marks the point's value in a rebuilt tree, so answers know to write it as a point.
POINT_MARK = "soql_point"
# Great-circle distance in metres from (:clat, :clon) to the row's (:lat, :lon).
HAVERSINE = sqlglot.parse_one(
    "2 * :radius * asin(sqrt(pow(sin(radians(:lat - :clat) / 2), 2)"
    " + cos(radians(:clat)) * cos(radians(:lat)) * pow(sin(radians(:lon - :clon) / 2), 2)))",
    read="duckdb",
)

# SoQL's date_trunc_* and date_extract_* functions and the unit each one means.
TRUNCATIONS = {"date_trunc_y": "year", "date_trunc_ym": "month", "date_trunc_ymd": "day"}
EXTRACTIONS = {
    "date_extract_y": "year",
    "date_extract_m": "month",
    "date_extract_d": "day",
    "date_extract_hh": "hour",
    "date_extract_mm": "minute",
    "date_extract_ss": "second",
    "date_extract_dow": "dayofweek",
    "date_extract_woy": "week",
}

AGGREGATES: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.Count: exp.Count,
    exp.Sum: exp.Sum,
    exp.Avg: exp.Avg,
    exp.Min: exp.Min,
    exp.Max: exp.Max,
    exp.StddevPop: exp.StddevPop,
    exp.StddevSamp: exp.StddevSamp,
    exp.RegrSlope: exp.RegrSlope,
    exp.RegrIntercept: exp.RegrIntercept,
    exp.RegrR2: exp.RegrR2,
}
# Aggregates computed in doubles on every engine: PostgreSQL would answer integers' average
# or deviation as an exact numeric with many decimals, DuckDB and Spark as a double.
IN_DOUBLES = (exp.Avg, exp.StddevPop, exp.StddevSamp, exp.RegrSlope, exp.RegrIntercept, exp.RegrR2)
TWO_ARGUMENTS = (exp.RegrSlope, exp.RegrIntercept, exp.RegrR2)

# The geometry functions over the point and the WKT shapes each takes (shapely's names).
GEOMETRY_FUNCTIONS = {
    "within_polygon": ("Polygon", "MultiPolygon"),
    "intersects": ("Polygon", "MultiPolygon", "Point"),
    "distance_in_meters": ("Point",),
}
# Every function SoQL offers here, for "did you mean" (the parser knows most by class).
FUNCTIONS = sorted(
    {"count", "sum", "avg", "min", "max", "stddev_pop", "stddev_samp", "regr_slope",
     "regr_intercept", "regr_r2", "upper", "lower", "starts_with", "coalesce", "greatest",
     "least", "ln", "case", "within_box", "within_circle", *GEOMETRY_FUNCTIONS, *TRUNCATIONS,
     *EXTRACTIONS}
)  # fmt: skip

BINARY: tuple[type[exp.Expression], ...] = (
    exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Pow,
)  # fmt: skip
# Functions of one value or more whose meaning every engine shares.
VARIADIC: tuple[type[exp.Expression], ...] = (exp.Coalesce, exp.Greatest, exp.Least)


class SoqlParser(DuckDBParser):
    """DuckDB's grammar, with SoQL's `case(condition, value, …)` and without DuckDB's
    `alias: value` prefix aliases (which would read the system field `:id` as an alias)."""

    def _parse_expression(self) -> exp.Expr | None:
        return Parser._parse_expression(self)

    def _parse_case(self) -> exp.Expr | None:
        if self._match(TokenType.L_PAREN):
            arguments = self._parse_csv(self._parse_assignment)
            self._match_r_paren()
            return self.expression(exp.Anonymous(this="case", expressions=arguments))
        return super()._parse_case()

    def _parse_placeholder(self) -> exp.Expr | None:
        # `:*`, Socrata's every-system-field, next to `:id` and the other named ones.
        if self._curr and self._curr.token_type == TokenType.COLON:
            following = self._next
            if following is not None and following.token_type == TokenType.STAR:
                self._advance(2)
                return exp.Placeholder(this="*")
        return super()._parse_placeholder()


class Soql(DuckDB):
    """What SoQL text is read as: DuckDB's SQL, plus `backtick` identifiers as Socrata has."""

    class Tokenizer(DuckDB.Tokenizer):
        IDENTIFIERS = ['"', "`"]

    Parser = SoqlParser


class SoqlError(ValueError):
    """A query citystat will not run; `code` follows Socrata's error codes, and `data`
    carries Socrata's details (the clause, the position) where they are known."""

    def __init__(
        self,
        message: str,
        code: str = "query.compiler.malformed",
        data: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.data = data or {}


@dataclass(frozen=True)
class Column:
    name: str
    field_type: str


@dataclass
class Builder:
    """Rebuilds one clause's tree; `aliases` maps the names $select defined to their
    rebuilt expressions."""

    columns: Mapping[str, Column]
    point: tuple[str, str] | None
    aliases: Mapping[str, exp.Expression] = field(default_factory=dict)
    clause: str = "$where"
    allow_aggregates: bool = True
    # Socrata's system fields this dataset has (id, created_at, updated_at), as values.
    system: Mapping[str, exp.Expression] = field(default_factory=dict)

    def fail(
        self,
        message: str,
        code: str = "query.compiler.malformed",
        node: exp.Expression | None = None,
    ) -> SoqlError:
        """Return the error to raise; with `node`, it says where in the clause it stands."""
        data: dict[str, object] = {"clause": self.clause}
        start = position(node) if node is not None else None
        if start is not None:
            data["position"] = {"row": 1, "column": start}
            message = message.rstrip(".") + f". At character {start}."
        return SoqlError(f"{self.clause}: {message}", code, data)

    def unknown(self, kind: str, name: str, node: exp.Expression, known: list[str]) -> SoqlError:
        """Refuse an unknown column or function, suggesting the nearest known name."""
        error = self.fail(f"no such {kind}: {name}.", f"query.soql.no-such-{kind}", node)
        nearest = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.7)
        if nearest:
            error = SoqlError(f"{error} Did you mean {nearest[0]}?", error.code, error.data)
            error.data["suggestion"] = nearest[0]
        return error

    def build(self, node: exp.Expression, depth: int = 0) -> exp.Expression:
        rebuilt = self.rebuild(node, depth)
        if depth == 0:
            # The whole item is known to be SoQL now: check its values' types before
            # any engine sees it, so a mismatch is refused where it stands (types.py).
            # types.py imports this module, so this one reaches it only when it runs.
            from citystat.api.soql.types import check  # noqa: PLC0415

            check(node, self)
        return rebuilt

    def rebuild(self, node: exp.Expression, depth: int) -> exp.Expression:
        if depth > MAX_DEPTH:
            raise self.fail("the expression is nested too deeply.")

        def nested(child: exp.Expression) -> exp.Expression:
            return self.build(child, depth + 1)

        if isinstance(node, exp.Paren):
            return exp.Paren(this=nested(node.this))
        if isinstance(node, exp.Column):
            built = self.column(node)
            if is_point(built) and (depth or self.clause not in ("$select", "$group")):
                raise self.fail(
                    f"{node.name} is a point: select it, group by it, test it with IS NULL, "
                    "or give it to within_box(), within_circle(), within_polygon(), "
                    "intersects() or distance_in_meters().",
                    "query.soql.type-mismatch",
                    node,
                )
            return built
        if isinstance(node, exp.Literal):
            return literal(node, self)
        if isinstance(node, exp.Boolean):
            return exp.Boolean(this=bool(node.this))
        if isinstance(node, exp.Null):
            return exp.Null()
        if isinstance(node, exp.Neg):
            return exp.Neg(this=nested(node.this))
        if isinstance(node, exp.Not):
            return exp.Not(this=nested(node.this))
        if isinstance(node, BINARY):
            by_date = self.date_comparison(node)
            if by_date is not None:
                return by_date
            return type(node)(this=nested(node.this), expression=nested(node.expression))
        if isinstance(node, exp.DPipe):
            # SoQL's || joins text; any value is joined as the text the engine writes.
            return exp.DPipe(this=text(nested(node.this)), expression=text(nested(node.expression)))
        if isinstance(node, VARIADIC):
            arguments = [nested(node.this), *[nested(e) for e in node.expressions]]
            rebuilt = type(node)(this=arguments[0], expressions=arguments[1:])
            if not isinstance(node, exp.Coalesce):
                # Greatest and least pass over nulls, as PostgreSQL (Socrata's engine)
                # and Spark do; unmarked, sqlglot would make DuckDB's answer null.
                rebuilt.set("ignore_nulls", True)
            return rebuilt
        if isinstance(node, exp.Ln):
            return exp.Ln(this=nested(node.this))
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise self.fail("IS may only be followed by NULL or NOT NULL.")
            if self.point is not None and self.names_point(node.this):
                # A point is null where either of its coordinates is.
                latitude, longitude = (public_column(name) for name in self.point)
                missing = exp.or_(
                    exp.Is(this=latitude, expression=exp.Null()),
                    exp.Is(this=longitude, expression=exp.Null()),
                    copy=False,
                )
                return negated(node, exp.Paren(this=missing))
            return negated(node, exp.Is(this=nested(node.this), expression=exp.Null()))
        if isinstance(node, exp.Between):
            if node.args.get("symmetric"):
                raise self.fail("BETWEEN SYMMETRIC is not part of SoQL.")
            return exp.Between(
                this=nested(node.this), low=nested(node.args["low"]), high=nested(node.args["high"])
            )
        if isinstance(node, exp.In):
            if any(node.args.get(key) for key in ("query", "unnest", "field", "is_global")):
                raise self.fail("IN takes a list of values, not a query.")
            return exp.In(this=nested(node.this), expressions=[nested(e) for e in node.expressions])
        if isinstance(node, exp.Like | exp.ILike):
            if node.args.get("escape"):
                raise self.fail("LIKE … ESCAPE is not supported.")
            rebuilt = type(node)(this=nested(node.this), expression=nested(node.expression))
            return negated(node, rebuilt)
        if isinstance(node, exp.Upper | exp.Lower):
            return type(node)(this=nested(node.this))
        if isinstance(node, exp.StartsWith):
            return exp.StartsWith(this=nested(node.this), expression=nested(node.expression))
        if isinstance(node, tuple(AGGREGATES)):
            return self.aggregate(node, depth)
        if isinstance(node, exp.Anonymous):
            return self.function(node, depth)
        if isinstance(node, exp.Placeholder):
            return self.system_field(node)
        raise self.fail(f"{node.sql(dialect=DIALECT)[:60]!r} is not part of SoQL.")

    def date_comparison(self, node: exp.Expression) -> exp.Expression | None:
        """Return `date column <op> constant moment` as a comparison of stored dates.

        A date is the floating timestamp of its midnight, so against a moment t:
        midnight(d) > t ⇔ d > day(t); midnight(d) <= t ⇔ d <= day(t); midnight(d) >= t ⇔
        d >= the first day whose midnight is not before t (day(t), or the next day when t
        has a time of day); and < likewise. Nulls stay null on both sides. Anything else
        (equality, another column, a moment with an offset, a clause other than $where)
        is left to the general path.
        """
        kind = type(node)
        # Only $where: elsewhere the stored column may not be grouped ($having, $select).
        if kind not in MIRRORED or self.clause != "$where":
            return None
        column, other = node.this, node.expression
        if not self.is_date_column(column):
            column, other, kind = other, column, MIRRORED[kind]
            if not self.is_date_column(column):
                return None
        if not (isinstance(other, exp.Literal) and other.is_string):
            return None
        if not FLOATING_TIMESTAMP.match(other.this):
            return None
        try:
            moment = dt.datetime.fromisoformat(other.this)
        except ValueError:
            return None  # 2025-02-30: the general path refuses it as it always has
        day = moment.date()
        if kind in (exp.GTE, exp.LT) and moment.time() != dt.time():
            day += dt.timedelta(days=1)
        stored = exp.column(RAW_DATE.format(column.name), table=PUBLIC_ROWS, quoted=True)
        bound = exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("date"))
        return kind(this=stored, expression=bound)

    def is_date_column(self, node: exp.Expression) -> bool:
        """Whether `node` names a public column of type date (not an alias or a point)."""
        return (
            isinstance(node, exp.Column)
            and not node.table
            and node.name in self.columns
            and self.columns[node.name].field_type == "date"
        )

    def column(self, node: exp.Column) -> exp.Expression:
        if node.table or node.args.get("db") or node.args.get("catalog"):
            raise self.fail(f"{node.sql()[:60]!r}: columns have no table prefix in SoQL.")
        name = node.name
        # Columns first, then aliases: a name that is a public column always means that
        # column. A withheld column is not in `columns`, so it is refused exactly like a
        # column that does not exist, and the answer does not tell the two apart.
        if name in self.columns:
            return public_column(name)
        if name == POINT_COLUMN and self.point is not None:
            return point_value(*self.point)
        if name in self.aliases:
            return self.aliases[name].copy()
        # Suggestions come from the public columns and aliases only, so a withheld
        # column's name gets the same answer as a name nobody ever used.
        raise self.unknown("column", name, node, [*self.columns, *self.aliases])

    def names_point(self, node: exp.Expression) -> bool:
        """Whether `node` is the bare point column `location`."""
        return (
            isinstance(node, exp.Column)
            and not node.table
            and node.name == POINT_COLUMN
            and POINT_COLUMN not in self.columns
        )

    def system_field(self, node: exp.Placeholder) -> exp.Expression:
        """Return the value of a system field (`:id`, `:created_at`, `:updated_at`).

        Any other name after the colon, a withheld column's among them, is refused
        exactly like a column that does not exist.
        """
        name = str(node.name).lower()
        if name in self.system:
            return self.system[name].copy()
        known = [f":{known}" for known in self.system]
        raise self.unknown("column", f":{node.name}", node, known)

    def aggregate(self, node: exp.Expression, depth: int) -> exp.Expression:
        if not self.allow_aggregates:
            raise self.fail(f"{node.key}() is not allowed here.")
        inner = node.this
        if isinstance(inner, exp.Star):
            if not isinstance(node, exp.Count):
                raise self.fail(f"{node.key}(*) is not allowed; only count(*).")
            return exp.Count(this=exp.Star())
        if isinstance(inner, exp.Distinct):
            if not isinstance(node, exp.Count) or len(inner.expressions) != 1:
                raise self.fail("only count(distinct column) takes DISTINCT.")
            return exp.Count(
                this=exp.Distinct(expressions=[self.build(inner.expressions[0], depth + 1)])
            )
        if isinstance(node, TWO_ARGUMENTS):
            if inner is None or node.expression is None:
                raise self.fail(f"{node.key}() takes two arguments (y, x).")
            regression = type(node)(
                this=double(self.build(inner, depth + 1)),
                expression=double(self.build(node.expression, depth + 1)),
            )
            # A line through points that all share one x is undefined: PostgreSQL (as
            # Socrata) answers null, DuckDB NaN, which would be written as "nan".
            return exp.Nullif(this=regression, expression=double(exp.Literal.string("NaN")))
        if inner is None or node.expressions:
            raise self.fail(f"{node.key}() takes one argument.")
        argument = self.build(inner, depth + 1)
        if isinstance(node, IN_DOUBLES):
            argument = double(argument)
        return AGGREGATES[type(node)](this=argument)

    def function(self, node: exp.Anonymous, depth: int) -> exp.Expression:
        name = str(node.this).lower()
        if name in ("within_box", "within_circle"):
            return self.geography(name, node, depth)
        if name in GEOMETRY_FUNCTIONS:
            return self.geometry(name, node)
        arguments = [self.build(argument, depth + 1) for argument in node.expressions]
        if name == "case":
            if not arguments or len(arguments) % 2:
                raise self.fail("case() takes pairs of a condition and its value.")
            pairs = zip(arguments[::2], arguments[1::2], strict=True)
            return exp.Case(ifs=[exp.If(this=when, true=then) for when, then in pairs])
        if name in TRUNCATIONS:
            self.arity(name, arguments, 1)
            return exp.TimestampTrunc(unit=exp.var(TRUNCATIONS[name]), this=timestamp(arguments[0]))
        if name in EXTRACTIONS:
            self.arity(name, arguments, 1)
            # A whole number on every engine: PostgreSQL and Spark extract seconds with
            # their fraction, DuckDB without.
            return exp.Cast(
                this=exp.Floor(
                    this=exp.Extract(
                        this=exp.var(EXTRACTIONS[name]), expression=timestamp(arguments[0])
                    )
                ),
                to=exp.DataType.build("bigint"),
            )
        raise self.unknown("function", f"{name}()", node, [f"{known}()" for known in FUNCTIONS])

    def arity(self, name: str, arguments: list[exp.Expression], count: int) -> None:
        if len(arguments) != count:
            raise self.fail(f"{name}() takes {count} argument{'s' if count > 1 else ''}.")

    def point_column(self, function: str, node: exp.Column) -> None:
        """Check that `node` names the dataset's point, `location` (from latitude and
        longitude): any other name is refused, never read as the point."""
        if node.table or node.args.get("db"):
            raise self.fail(f"{node.sql()[:60]!r}: columns have no table prefix in SoQL.")
        if node.name == POINT_COLUMN and POINT_COLUMN not in self.columns:
            return
        if node.name in self.columns:
            raise self.fail(
                f"{function}() takes a point column ({POINT_COLUMN}), not {node.name}.",
                "query.soql.type-mismatch",
            )
        raise self.unknown("column", node.name, node, [*self.columns, POINT_COLUMN])

    def geography(self, name: str, node: exp.Anonymous, depth: int) -> exp.Expression:
        if self.point is None:
            raise self.fail(f"{name}() needs a dataset with latitude and longitude.")
        arguments = node.expressions
        wanted = 5 if name == "within_box" else 4
        if len(arguments) != wanted or not isinstance(arguments[0], exp.Column):
            raise self.fail(f"{name}(location, …) takes the location and {wanted - 1} numbers.")
        self.point_column(name, arguments[0])
        numbers = [number_value(argument, self) for argument in arguments[1:]]
        latitude, longitude = (public_column(name) for name in self.point)
        if name == "within_box":
            north, west, south, east = numbers
            return as_expression(
                exp.and_(
                    exp.Between(
                        this=latitude, low=number(min(north, south)), high=number(max(north, south))
                    ),
                    exp.Between(
                        this=longitude, low=number(min(west, east)), high=number(max(west, east))
                    ),
                )
            )
        centre_latitude, centre_longitude, radius = numbers
        distance = exp.replace_placeholders(
            HAVERSINE.copy(),
            radius=EARTH_RADIUS_METRES,
            clat=centre_latitude,
            clon=centre_longitude,
            lat=latitude,
            lon=longitude,
        )
        return exp.LTE(this=distance, expression=number(radius))

    def geometry(self, name: str, node: exp.Anonymous) -> exp.Expression:
        """Compile `name(location, 'WKT')` to plain SQL on latitude and longitude."""
        if self.point is None:
            raise self.fail(f"{name}() needs a dataset with latitude and longitude.")
        arguments = node.expressions
        kinds = GEOMETRY_FUNCTIONS[name]
        shapes = " or ".join(kind.upper() for kind in kinds)
        if (
            len(arguments) != 2
            or not isinstance(arguments[0], exp.Column)
            or not isinstance(arguments[1], exp.Literal)
            or not arguments[1].is_string
        ):
            raise self.fail(f"{name}() takes the location and a {shapes} as WKT text.")
        self.point_column(name, arguments[0])
        try:
            shape = geometry.parse_wkt(str(arguments[1].this), kinds)
        except geometry.GeometryError as error:
            raise self.fail(f"{name}(): {error}", "query.soql.invalid-wkt", node) from None
        latitude, longitude = (public_column(column) for column in self.point)
        if name == "within_polygon":
            return geometry.within_polygon(shape, latitude, longitude)
        if name == "intersects":
            return geometry.intersects(shape, latitude, longitude)
        return geometry.distance_in_meters(shape, latitude, longitude, EARTH_RADIUS_METRES)


def position(node: exp.Expression) -> int | None:
    """Return where `node` starts in the text its clause was written as (1 is the first
    character), from the positions sqlglot keeps on names and functions."""
    for part in node.walk():
        meta = part.meta if isinstance(part, exp.Expression) else {}
        if "start" in meta:
            return int(meta["start"]) + 1
    return None


def negated(node: exp.Expression, rebuilt: exp.Expression) -> exp.Expression:
    """Keep the NOT that sqlglot records on the node itself (`a not like 'x'`, #18)."""
    if node.args.get("negate"):
        return exp.Not(this=exp.Paren(this=rebuilt))
    return rebuilt


def point_value(latitude: str, longitude: str) -> exp.Expression:
    """Return the point column's value: [longitude, latitude] in doubles, or null where
    either is missing. Answers write it as GeoJSON (`is_point` marks it for them)."""
    present = exp.and_(
        exp.Not(this=exp.Is(this=public_column(latitude), expression=exp.Null())),
        exp.Not(this=exp.Is(this=public_column(longitude), expression=exp.Null())),
        copy=False,
    )
    coordinates = exp.Array(
        expressions=[double(public_column(longitude)), double(public_column(latitude))]
    )
    value = exp.Case(ifs=[exp.If(this=present, true=coordinates)])
    value.meta[POINT_MARK] = True
    return value


def is_point(node: exp.Expression) -> bool:
    """Whether `node` is the point column's value (which copies of the tree keep)."""
    return bool(node.meta.get(POINT_MARK))


def public_column(name: str) -> exp.Column:
    """Return a reference to a public column, qualified by the projection it is read from.

    A qualified name can only mean the projection's column: engines resolve a bare name
    in GROUP BY and ORDER BY to an output alias (PostgreSQL) or to a table column
    (DuckDB), and neither must ever decide for us.
    """
    return exp.column(name, table=PUBLIC_ROWS, quoted=True)


def double(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("double"))


def text(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("text"))


def timestamp(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("timestamp"))


def as_expression(node: object) -> exp.Expression:
    """Narrow sqlglot's builder return types (Condition, Expr, Neg) for the type checker."""
    return cast(exp.Expression, node)


def number(value: float) -> exp.Expression:
    return as_expression(exp.Literal.number(repr(float(value))))


def number_value(node: exp.Expression, builder: Builder) -> float:
    negative = isinstance(node, exp.Neg)
    inner = node.this if negative else node
    if not isinstance(inner, exp.Literal) or inner.is_string:
        raise builder.fail("expected a number.")
    value = float(literal(inner, builder).this)
    return -value if negative else value


def literal(node: exp.Literal, builder: Builder) -> exp.Expression:
    text = str(node.this)
    if node.is_string:
        if len(text) > 1000:
            raise builder.fail("a text value is longer than 1,000 characters.")
        return exp.Literal.string(text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise builder.fail(f"{text[:40]!r} is not a number.") from None
    if not value.is_finite() or abs(value.adjusted()) > 30:
        raise builder.fail(f"{text[:40]!r} is out of range.")
    return as_expression(exp.Literal.number(str(value)))


def has_aggregate(expressions: Sequence[exp.Expression]) -> bool:
    return any(node.find(*AGGREGATES) for node in expressions)
