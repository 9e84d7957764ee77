"""SoQL, Socrata's query language, compiled to safe warehouse SQL.

Each clause is parsed with sqlglot, then rebuilt node by node from an allow-list: only
the listed functions and operators, only the dataset's public columns (and aliases the
query itself defines), only literals re-created from their values. Anything else is a
`SoqlError`, which the API answers with Socrata's error shape. The user's text never
reaches the warehouse; the rebuilt tree is rendered by sqlglot.

Withheld columns (`"public": false`) are out of reach by construction (#16): the query
reads from a projection of the public columns only, every name is resolved against
those columns before the query's own aliases, an alias is replaced by the expression it
names, and an alias may not take any column's name. No engine is ever left to decide
what a name means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

DEFAULT_LIMIT = 1000
MAX_LIMIT = 50_000
MAX_CLAUSE_LENGTH = 4000
MAX_DEPTH = 40
DIALECT = "duckdb"
# The name of the projection of public columns that every compiled query reads from.
PUBLIC_ROWS = "public_rows"
EARTH_RADIUS_METRES = 6_371_000.0
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
}
BINARY: tuple[type[exp.Expression], ...] = (
    exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod,
)  # fmt: skip


class SoqlError(ValueError):
    """A query citystat will not run; `code` follows Socrata's error codes."""

    def __init__(self, message: str, code: str = "query.compiler.malformed") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Column:
    name: str
    field_type: str


@dataclass
class CompiledQuery:
    sql: str
    output_names: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass
class Clauses:
    """One query's clauses, parsed but not yet checked; None where the query has none."""

    select: list[exp.Expression] | None = None
    where: exp.Expression | None = None
    group: list[exp.Expression] | None = None
    having: exp.Expression | None = None
    order: list[exp.Ordered] | None = None
    search: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass
class Builder:
    """Rebuilds one clause's tree; `aliases` maps the names $select defined to their
    rebuilt expressions."""

    columns: Mapping[str, Column]
    point: tuple[str, str] | None
    aliases: Mapping[str, exp.Expression] = field(default_factory=dict)
    clause: str = "$where"
    allow_aggregates: bool = True

    def fail(self, message: str, code: str = "query.compiler.malformed") -> SoqlError:
        return SoqlError(f"{self.clause}: {message}", code)

    def build(self, node: exp.Expression, depth: int = 0) -> exp.Expression:
        if depth > MAX_DEPTH:
            raise self.fail("the expression is nested too deeply.")
        nested = lambda child: self.build(child, depth + 1)  # noqa: E731
        if isinstance(node, exp.Paren):
            return exp.Paren(this=nested(node.this))
        if isinstance(node, exp.Column):
            return self.column(node)
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
            return type(node)(this=nested(node.this), expression=nested(node.expression))
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise self.fail("IS may only be followed by NULL or NOT NULL.")
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
            # Socrata's system fields (:id, :created_at, …): only $order=:id has a meaning
            # here, and compile_clauses handles it before any builder sees it.
            raise self.fail(f"no such column: :{node.name}.", "query.soql.no-such-column")
        raise self.fail(f"{node.sql(dialect=DIALECT)[:60]!r} is not part of SoQL.")

    def column(self, node: exp.Column) -> exp.Expression:
        if node.table or node.args.get("db") or node.args.get("catalog"):
            raise self.fail(f"{node.sql()[:60]!r}: columns have no table prefix in SoQL.")
        name = node.name
        # Columns first, then aliases: a name that is a public column always means that
        # column. A withheld column is not in `columns`, so it is refused exactly like a
        # column that does not exist, and the answer does not tell the two apart.
        if name in self.columns:
            return public_column(name)
        if name in self.aliases:
            return self.aliases[name].copy()
        raise self.fail(f"no such column: {name}.", "query.soql.no-such-column")

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
        if inner is None or node.expressions:
            raise self.fail(f"{node.key}() takes one argument.")
        argument = self.build(inner, depth + 1)
        if isinstance(node, exp.Avg):
            # A double everywhere: PostgreSQL would average integers as an exact numeric
            # with 16 decimals, DuckDB and Spark as a double.
            argument = exp.Cast(this=argument, to=exp.DataType.build("double"))
        return AGGREGATES[type(node)](this=argument)

    def function(self, node: exp.Anonymous, depth: int) -> exp.Expression:
        name = str(node.this).lower()
        if name in ("within_box", "within_circle"):
            return self.geography(name, node, depth)
        arguments = [self.build(argument, depth + 1) for argument in node.expressions]
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
        raise self.fail(f"unknown function {name}().", "query.soql.no-such-function")

    def arity(self, name: str, arguments: list[exp.Expression], count: int) -> None:
        if len(arguments) != count:
            raise self.fail(f"{name}() takes {count} argument{'s' if count > 1 else ''}.")

    def geography(self, name: str, node: exp.Anonymous, depth: int) -> exp.Expression:
        if self.point is None:
            raise self.fail(f"{name}() needs a dataset with latitude and longitude.")
        arguments = node.expressions
        wanted = 5 if name == "within_box" else 4
        if len(arguments) != wanted or not isinstance(arguments[0], exp.Column):
            raise self.fail(f"{name}(location, …) takes the location and {wanted - 1} numbers.")
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


def negated(node: exp.Expression, rebuilt: exp.Expression) -> exp.Expression:
    """Keep the NOT that sqlglot records on the node itself (`a not like 'x'`, #18)."""
    if node.args.get("negate"):
        return exp.Not(this=exp.Paren(this=rebuilt))
    return rebuilt


def public_column(name: str) -> exp.Column:
    """Return a reference to a public column, qualified by the projection it is read from.

    A qualified name can only mean the projection's column: engines resolve a bare name
    in GROUP BY and ORDER BY to an output alias (PostgreSQL) or to a table column
    (DuckDB), and neither must ever decide for us.
    """
    return exp.column(name, table=PUBLIC_ROWS, quoted=True)


def public_projection(columns: Mapping[str, Column], relation: str | exp.Table) -> exp.Expression:
    """Return `(SELECT <public columns> FROM relation) AS public_rows`, all a query reads."""
    if not columns:
        raise SoqlError("this dataset has no public columns to query.")
    inner = exp.select(*[exp.column(name, quoted=True) for name in columns], copy=False)
    inner = inner.from_(relation, copy=False)
    return as_expression(inner.subquery(exp.to_identifier(PUBLIC_ROWS, quoted=True), copy=False))


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


def parse(text: str, clause: str, shown: str | None = None) -> exp.Expression:
    """Parse `text`; messages quote `shown`, the part the person actually wrote."""
    shown = text if shown is None else shown
    if len(text) > MAX_CLAUSE_LENGTH:
        raise SoqlError(f"{clause}: longer than {MAX_CLAUSE_LENGTH:,} characters.")
    try:
        statements = sqlglot.parse(text, read=DIALECT)
    except SqlglotError as error:
        raise SoqlError(
            f"{clause}: could not parse {shown[:80]!r} ({first_line(error)})."
        ) from None
    except RecursionError:
        raise SoqlError(f"{clause}: the expression is nested too deeply.") from None
    if len(statements) != 1 or statements[0] is None:
        raise SoqlError(f"{clause}: expected one expression, not several statements.")
    return as_expression(statements[0])


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__


def expression_list(text: str, clause: str) -> list[exp.Expression]:
    """Parse a comma-separated list the way a SELECT list is parsed, and nothing more."""
    tree = parse(f"SELECT {text}", clause, shown=text)
    if not isinstance(tree, exp.Select) or any(
        value for key, value in tree.args.items() if key not in ("expressions", "kind")
    ):
        raise SoqlError(f"{clause}: expected a list of columns or expressions.")
    return list(tree.expressions)


def order_list(text: str) -> list[exp.Ordered]:
    tree = parse(f"SELECT 1 ORDER BY {text}", "$order", shown=text)
    order = tree.args.get("order") if isinstance(tree, exp.Select) else None
    extra = [
        key for key, value in tree.args.items() if value and key not in ("expressions", "order")
    ]
    if order is None or extra:
        raise SoqlError("$order: expected columns, each optionally followed by ASC or DESC.")
    return list(order.expressions)


def compile_query(
    parameters: Mapping[str, str],
    columns: Mapping[str, Column],
    relation: str | exp.Table,
    stable_order: list[str],
    dialect: str = DIALECT,
    withheld: Collection[str] = (),
) -> CompiledQuery:
    """Compile SODA query parameters into SQL over `relation` (already quoted).

    `columns` are the public columns and `withheld` the names of the others, which no
    alias may take; `stable_order` names the columns that order rows when the query
    gives no $order, so paging by $offset never skips or repeats a row. The checked tree
    is rendered in the warehouse engine's `dialect` (duckdb, postgres, spark); values
    stay literals in the tree, so no engine ever sees pasted text.
    """
    clauses = parse_parameters(parameters)
    return compile_clauses(clauses, columns, relation, stable_order, dialect, withheld)


def parse_parameters(parameters: Mapping[str, str]) -> Clauses:
    """Parse each SODA parameter into its clause, checking nothing about columns yet."""
    for name, value in parameters.items():
        check_parameter(name, value)
    if "$query" in parameters:
        others = sorted(name for name in parameters if name != "$query")
        if others:
            raise SoqlError(
                f"$query: cannot be combined with {', '.join(others)}; "
                "write every clause inside $query (SELECT … WHERE … ORDER BY … LIMIT …).",
                "query.soql.invalid-parameter",
            )
        return parse_statement(parameters["$query"])
    select_text = parameters.get("$select", "").strip()
    return Clauses(
        select=None if select_text in ("", "*") else expression_list(select_text, "$select"),
        where=parse(parameters["$where"], "$where") if parameters.get("$where") else None,
        group=expression_list(parameters["$group"], "$group") if parameters.get("$group") else None,
        having=parse(parameters["$having"], "$having") if parameters.get("$having") else None,
        order=order_list(parameters["$order"]) if parameters.get("$order") else None,
        search=parameters.get("$q", ""),
        filters={name: value for name, value in parameters.items() if not name.startswith("$")},
        limit=bounded_integer(parameters.get("$limit"), "$limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
        offset=bounded_integer(parameters.get("$offset"), "$offset", 0, 0, 10**12),
    )


PARAMETERS = ("$select", "$where", "$order", "$group", "$having", "$limit", "$offset", "$q",
              "$query")  # fmt: skip
# $$ parameters that change nothing here: system fields are never returned anyway.
SYSTEM_PARAMETERS = {"$$exclude_system_fields": ("true", "false")}


def check_parameter(name: str, value: str) -> None:
    """Refuse a $ parameter citystat does not know, rather than answer as if it were absent."""
    if not name.startswith("$") or name in PARAMETERS:
        return
    if name == "$$app_token":
        raise SoqlError(
            "$$app_token: send the token in the X-App-Token header instead.",
            "query.soql.invalid-parameter",
        )
    allowed = SYSTEM_PARAMETERS.get(name)
    if allowed is None:
        raise SoqlError(
            f"{name[:40]}: unknown parameter; SODA parameters are {', '.join(PARAMETERS)}.",
            "query.soql.invalid-parameter",
        )
    if value.lower() not in allowed:
        raise SoqlError(f"{name}: expected {' or '.join(allowed)}, not {value[:20]!r}.")


# The clauses of a $query statement that SoQL has, and which Clauses field each fills.
STATEMENT_CLAUSES = ("expressions", "where", "group", "having", "order", "limit", "offset")


def parse_statement(text: str) -> Clauses:
    """Parse a whole SoQL statement ($query, what sodapy sends for `query=`) into clauses."""
    tree = parse(text, "$query")
    if not isinstance(tree, exp.Select):
        raise SoqlError("$query: expected one SELECT statement.")
    extra = sorted(
        key for key, value in tree.args.items() if value and key not in STATEMENT_CLAUSES
    )
    if extra:
        words = ", ".join(key.rstrip("_").upper() for key in extra)
        raise SoqlError(f"$query: {words} is not part of SoQL.")
    selected = tree.expressions
    where, group, having = tree.args.get("where"), tree.args.get("group"), tree.args.get("having")
    order = tree.args.get("order")
    return Clauses(
        select=None if len(selected) == 1 and isinstance(selected[0], exp.Star) else selected,
        where=where.this if where else None,
        group=list(group.expressions) if group else None,
        having=having.this if having else None,
        order=list(order.expressions) if order else None,
        limit=statement_integer(tree.args.get("limit"), "LIMIT", DEFAULT_LIMIT, MAX_LIMIT),
        offset=statement_integer(tree.args.get("offset"), "OFFSET", 0, 10**12),
    )


def statement_integer(node: exp.Expression | None, name: str, default: int, high: int) -> int:
    if node is None:
        return default
    value = node.args.get("expression")
    others = [key for key, child in node.args.items() if child and key != "expression"]
    if (
        not isinstance(node, exp.Limit | exp.Offset)
        or others
        or not isinstance(value, exp.Literal)
        or value.is_string
    ):
        raise SoqlError(f"$query: {name} takes one whole number.")
    return bounded_integer(str(value.this), f"$query: {name}", default, 0, high)


def compile_clauses(
    clauses: Clauses,
    columns: Mapping[str, Column],
    relation: str | exp.Table,
    stable_order: list[str],
    dialect: str = DIALECT,
    withheld: Collection[str] = (),
) -> CompiledQuery:
    """Check and rebuild parsed clauses into SQL; see `compile_query`."""
    point = ("latitude", "longitude") if {"latitude", "longitude"} <= columns.keys() else None
    selected, aliases = select_list(clauses.select, columns, point, withheld)
    names = [item.alias for item in selected]
    # The builders below change `query` in place (copy=False): copying the tree at each
    # step cost more than the rest of compiling.
    query = exp.select(*selected, copy=False).from_(
        public_projection(columns, relation), copy=False
    )
    conditions = []
    if clauses.where is not None:
        where = Builder(columns, point, clause="$where", allow_aggregates=False)
        conditions.append(where.build(clauses.where))
    for name, value in clauses.filters.items():
        if name not in columns:
            raise SoqlError(f"{name}: no such column: {name}.", "query.soql.no-such-column")
        conditions.append(equals(columns[name], value))
    if clauses.search:
        conditions.append(full_text(clauses.search, columns))
    if conditions:
        query = query.where(exp.and_(*conditions, copy=False), copy=False)
    grouped = clauses.group is not None
    if clauses.group is not None:
        group = Builder(columns, point, aliases, clause="$group", allow_aggregates=False)
        keys = [group.build(item) for item in clauses.group]
        if has_aggregate(keys):
            raise group.fail("an aggregate cannot be grouped by; group by columns.")
        query = query.group_by(*keys, copy=False)
    if clauses.having is not None:
        having = Builder(columns, point, aliases, clause="$having")
        query = query.having(having.build(clauses.having), copy=False)
    if clauses.order is not None:
        order = Builder(columns, point, aliases, clause="$order")
        orders = order_by(clauses.order, order, stable_order)
    elif grouped or has_aggregate(selected):
        orders = [exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(selected))]
    else:
        orders = [exp.Ordered(this=public_column(name)) for name in stable_order]
    if orders:
        query = query.order_by(*orders, copy=False)
    query = query.limit(clauses.limit, copy=False).offset(clauses.offset, copy=False)
    sql = for_dialect(query, dialect).sql(dialect=dialect)
    return CompiledQuery(sql, names, clauses.limit, clauses.offset)


def equals(column: Column, value: str) -> exp.Expression:
    """Return `column = value` for a `field=value` filter, comparing typed values (#18).

    The value is read as the column's type, so a timestamp written the way the API
    writes it (`2020-05-01T00:00:00.000`) matches, and `case_id=07` matches case 7.
    """
    name, kind = column.name, column.field_type
    if kind in ("integer", "number", "year"):
        try:
            number_text = str(Decimal(value.strip()))
        except InvalidOperation:
            raise SoqlError(f"{name}: {value[:40]!r} is not a number.") from None
        if not Decimal(number_text).is_finite():
            raise SoqlError(f"{name}: {value[:40]!r} is not a number.")
        return exp.EQ(this=public_column(name), expression=exp.Literal.number(number_text))
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise SoqlError(f"{name}: expected true or false, not {value[:40]!r}.")
        return exp.EQ(
            this=public_column(name), expression=exp.Boolean(this=value.lower() == "true")
        )
    if kind in ("date", "datetime"):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise SoqlError(
                f"{name}: {value[:40]!r} is not a date and time "
                "(expected e.g. 2020-05-01T00:00:00.000 or 2020-05-01)."
            ) from None
        if moment.tzinfo is not None:
            raise SoqlError(
                f"{name}: {value[:40]!r} has a time zone; floating timestamps have none."
            )
        return exp.EQ(
            this=timestamp(public_column(name)),
            expression=timestamp(exp.Literal.string(moment.isoformat(sep=" "))),
        )
    # Text, and times of day, compare as the text the API writes.
    return exp.EQ(
        this=exp.Cast(this=public_column(name), to=exp.DataType.build("text")),
        expression=exp.Literal.string(value),
    )


def select_list(
    items: list[exp.Expression] | None,
    columns: Mapping[str, Column],
    point: tuple[str, str] | None,
    withheld: Collection[str],
) -> tuple[list[exp.Alias], dict[str, exp.Expression]]:
    """Rebuild the $select list; return it and the aliases it defines, by name."""
    if items is None:
        return [alias(public_column(name), name) for name in columns], {}
    builder = Builder(columns, point, clause="$select")
    # Compared case-insensitively, as engines compare unquoted names.
    taken = {name.lower() for name in [*columns, *withheld]}
    selected: list[exp.Alias] = []
    aliases: dict[str, exp.Expression] = {}
    for index, item in enumerate(items):
        name = None
        if isinstance(item, exp.Alias):
            name, item = item.alias, item.this
        if isinstance(item, exp.Star):
            raise builder.fail("* may only stand alone.")
        rebuilt = builder.build(item)
        if (
            name is not None
            and name.lower() in taken
            and not (isinstance(item, exp.Column) and item.name == name)
        ):
            # Else `count(*) as street_address&$group=street_address` would leave the
            # meaning of the name to the engine, which picks the withheld column (#16).
            raise builder.fail(f"an alias may not reuse a column's name: {name!r}.")
        if name is None:
            name = item.name if isinstance(item, exp.Column) else default_name(item, index)
        if not valid_name(name):
            raise builder.fail(f"{name!r} is not a valid alias.")
        if name in aliases or any(chosen.alias == name for chosen in selected):
            raise builder.fail(f"{name!r} names two selected values; give each its own alias.")
        if name.lower() not in taken:
            aliases[name] = rebuilt
        selected.append(alias(rebuilt, name))
    return selected, aliases


def alias(node: exp.Expression, name: str) -> exp.Alias:
    return cast(exp.Alias, exp.alias_(node, name, quoted=True, copy=False))


def order_by(
    items: list[exp.Ordered], builder: Builder, stable_order: list[str]
) -> list[exp.Ordered]:
    orders = []
    for item in items:
        desc = bool(item.args.get("desc"))
        if isinstance(item.this, exp.Placeholder) and item.this.name.lower() == "id":
            # Socrata's system field :id names the row; harvesters (our own Socrata
            # source among them) page with $order=:id, here the stable primary-key order.
            if not stable_order:
                raise builder.fail("this dataset has no public key to order rows by :id.")
            orders += [exp.Ordered(this=public_column(name), desc=desc) for name in stable_order]
        else:
            # sqlglot marks NULLS FIRST on the node; NULLS LAST is every engine's default
            # as rendered here, so only FIRST needs carrying over.
            nulls_first = True if item.args.get("nulls_first") else None
            orders.append(
                exp.Ordered(this=builder.build(item.this), desc=desc, nulls_first=nulls_first)
            )
    return orders


def for_dialect(query: exp.Expression, dialect: str) -> exp.Expression:
    """Rewrite the few SoQL pieces whose meaning differs between engines.

    Socrata's day of week runs 0 (Sunday) to 6, as DuckDB's does; PostgreSQL calls it
    `dow`, and Spark counts 1 (Sunday) to 7.
    """
    if dialect == "duckdb":
        return query

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Extract) and node.this.name.lower() == "dayofweek"):
            return node
        if dialect == "postgres":
            return exp.Extract(this=exp.var("dow"), expression=node.expression)
        return exp.Sub(this=exp.DayOfWeek(this=node.expression), expression=exp.Literal.number(1))

    return query.transform(rewrite)


def full_text(text: str, columns: Mapping[str, Column]) -> exp.Expression:
    if len(text) > 500:
        raise SoqlError("$q: the search text is longer than 500 characters.")
    needle = exp.Literal.string(text.lower())
    searchable = [name for name, column in columns.items() if column.field_type == "string"]
    if not searchable:
        return as_expression(exp.false())
    return as_expression(
        exp.or_(
            *[
                exp.GT(
                    this=exp.StrPosition(
                        this=exp.Lower(this=public_column(name)), substr=needle.copy()
                    ),
                    expression=exp.Literal.number(0),
                )
                for name in searchable
            ]
        )
    )


def has_aggregate(expressions: Sequence[exp.Expression]) -> bool:
    return any(node.find(*AGGREGATES) for node in expressions)


def default_name(node: exp.Expression, index: int) -> str:
    # Socrata names an unaliased aggregate after the function and its column: count_case_id.
    if isinstance(node, tuple(AGGREGATES)):
        inner = node.this
        if isinstance(inner, exp.Distinct) and inner.expressions:
            inner = inner.expressions[0]
        suffix = inner.name if isinstance(inner, exp.Column) else ""
        return f"{node.key}_{suffix}" if suffix else node.key
    return f"_col{index + 1}"


def valid_name(name: str) -> bool:
    return bool(name) and len(name) <= 64 and name.replace("_", "a").isalnum()


def bounded_integer(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SoqlError(f"{name}: {raw[:20]!r} is not a whole number.") from None
    if not low <= value <= high:
        raise SoqlError(f"{name}: {value} is outside {low}–{high:,}.")
    return value


def columns_from_schema(fields: list[dict]) -> dict[str, Column]:
    """Return the public columns of a Table Schema, in order."""
    return {
        spec["name"]: Column(spec["name"], spec.get("type", "string"))
        for spec in fields
        if spec.get("public", True)
    }
