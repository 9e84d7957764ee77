"""Check parsed clauses against the dataset's public columns and render one SQL query."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlglot import exp

from citystat.api.soql.clauses import DEFAULT_LIMIT, Clauses, parse_parameters
from citystat.api.soql.expressions import (
    AGGREGATES,
    DIALECT,
    PUBLIC_ROWS,
    RAW_DATE,
    Builder,
    Column,
    SoqlError,
    as_expression,
    has_aggregate,
    is_point,
    public_column,
    text,
    timestamp,
)
from citystat.catalog.visibility import field_is_public


@dataclass(frozen=True)
class SystemFields:
    """What Socrata's system fields mean for one dataset (docs/api.md, "System fields").

    `:id` is `row-` and the row's primary key (its parts joined by `-`), so it stays the
    same across loads; a dataset whose key is not wholly public has no `:id`.
    `:created_at` is when the dataset's first version was published and `:updated_at`
    when the version being read was: citystat keeps versions, not each row's history.
    """

    id_columns: tuple[str, ...] = ()
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def values(self) -> dict[str, exp.Expression]:
        values: dict[str, exp.Expression] = {}
        if self.id_columns:
            parts: list[exp.Expression] = [exp.Literal.string("row-")]
            for index, name in enumerate(self.id_columns):
                if index:
                    parts.append(exp.Literal.string("-"))
                parts.append(text(public_column(name)))
            row_id = parts[0]
            for part in parts[1:]:
                row_id = exp.DPipe(this=row_id, expression=part, safe=True)
            values["id"] = row_id
        for name, moment in (("created_at", self.created_at), ("updated_at", self.updated_at)):
            if moment is not None:
                floating = (
                    moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
                )
                values[name] = timestamp(exp.Literal.string(floating.isoformat(sep=" ")))
        return values


@dataclass
class CompiledQuery:
    sql: str
    output_names: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    # The output names whose values are points ([longitude, latitude]).
    points: frozenset[str] = frozenset()


def public_projection(columns: Mapping[str, Column], relation: str | exp.Table) -> exp.Expression:
    """Return `(SELECT <public columns> FROM relation) AS public_rows`, all a query reads."""
    if not columns:
        raise SoqlError("this dataset has no public columns to query.")
    # SoQL has no date type: a date is the floating timestamp of its midnight, so that
    # `created_date >= '2020-02-19T10:00:00'` leaves that day out. Compared as a date, the
    # engines would cut the text to its day and answer wrongly (#18).
    # Each date column is also read as it is stored (raw_date), for comparisons with a
    # constant: the engine can then skip whole row groups by their stored dates, which it
    # cannot do through the cast (expressions.py, Builder.date_comparison).
    projected: list[exp.Expression] = []
    for name, column in columns.items():
        stored = exp.column(name, quoted=True)
        if column.field_type == "date":
            projected.append(as_expression(exp.alias_(timestamp(stored), name, quoted=True)))
            raw = exp.alias_(stored.copy(), RAW_DATE.format(name), quoted=True)
            projected.append(as_expression(raw))
        else:
            projected.append(stored)
    inner = exp.select(*projected, copy=False)
    inner = inner.from_(relation, copy=False)
    return as_expression(inner.subquery(exp.to_identifier(PUBLIC_ROWS, quoted=True), copy=False))


def compile_query(
    parameters: Mapping[str, str],
    columns: Mapping[str, Column],
    relation: str | exp.Table,
    stable_order: list[str],
    dialect: str = DIALECT,
    withheld: Collection[str] = (),
    system: SystemFields | None = None,
) -> CompiledQuery:
    """Compile SODA query parameters into SQL over `relation` (already quoted).

    `columns` are the public columns and `withheld` the names of the others, which no
    alias may take; `stable_order` names the columns that order rows when the query
    gives no $order, so paging by $offset never skips or repeats a row; `system` says what
    Socrata's system fields mean (by default, `:id` is the row's key). The checked tree
    is rendered in the warehouse engine's `dialect` (duckdb, postgres, spark); values
    stay literals in the tree, so no engine ever sees pasted text.
    """
    clauses = parse_parameters(parameters)
    return compile_clauses(clauses, columns, relation, stable_order, dialect, withheld, system)


def compile_clauses(
    clauses: Clauses,
    columns: Mapping[str, Column],
    relation: str | exp.Table,
    stable_order: list[str],
    dialect: str = DIALECT,
    withheld: Collection[str] = (),
    system: SystemFields | None = None,
) -> CompiledQuery:
    """Check and rebuild parsed clauses into SQL; see `compile_query`."""
    point = ("latitude", "longitude") if {"latitude", "longitude"} <= columns.keys() else None
    # Without word on system fields, :id is the row's key (`stable_order`).
    values = (system or SystemFields(tuple(stable_order))).values()
    selected, aliases = select_list(clauses.select, columns, point, withheld, values)
    names = [item.alias for item in selected]
    # The builders below change `query` in place (copy=False): copying the tree at each
    # step cost more than the rest of compiling.
    query = exp.select(*selected, copy=False).from_(
        public_projection(columns, relation), copy=False
    )
    conditions = []
    if clauses.where is not None:
        where = Builder(columns, point, clause="$where", allow_aggregates=False, system=values)
        conditions.append(where.build(clauses.where))
    for name, value in clauses.filters.items():
        if name not in columns:
            raise SoqlError(f"{name}: no such column: {name}.", "query.soql.no-such-column")
        conditions.append(equals(columns[name], value))
    if clauses.search:
        conditions.append(full_text(clauses.search, columns))
    if clauses.distinct:
        query = query.distinct(copy=False)
    if conditions:
        query = query.where(exp.and_(*conditions, copy=False), copy=False)
    # DISTINCT rows are ordered like groups: by their selected values, never by a key
    # they no longer have (PostgreSQL refuses to order DISTINCT rows by anything else).
    grouped = clauses.group is not None or clauses.distinct
    if clauses.group is not None:
        group = Builder(
            columns, point, aliases, clause="$group", allow_aggregates=False, system=values
        )
        keys = [
            group.build(item)
            if isinstance(item, exp.Placeholder)
            else constant_refused(group.build(item), group, item)
            for item in clauses.group
        ]
        if has_aggregate(keys):
            raise group.fail("an aggregate cannot be grouped by; group by columns.")
        query = query.group_by(*keys, copy=False)
    if clauses.having is not None:
        having = Builder(columns, point, aliases, clause="$having", system=values)
        query = query.having(having.build(clauses.having), copy=False)
    by_output = [exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(selected))]
    if clauses.order is not None:
        order = Builder(columns, point, aliases, clause="$order", system=values)
        # Rows that tie on the asked order come in a fixed order after it (the key, or
        # every selected value), so an answer never depends on how the engine happened
        # to scan or hash, and paging by $offset never skips or repeats a row.
        ties = by_output
        if not (grouped or has_aggregate(selected)) and stable_order:
            ties = [exp.Ordered(this=public_column(name)) for name in stable_order]
        orders = order_by(clauses.order, order, stable_order)
        if clauses.distinct:
            # By position: an engine may not see a column's name past DISTINCT (Spark).
            chosen = [item.this for item in selected]
            if any(asked.this not in chosen for asked in orders):
                raise order.fail("with DISTINCT, order only by values $select names.")
            for asked in orders:
                asked.set("this", exp.Literal.number(chosen.index(asked.this) + 1))
        orders += [tie for tie in ties if all(tie.this != asked.this for asked in orders)]
    elif grouped or has_aggregate(selected):
        orders = by_output
    else:
        orders = [exp.Ordered(this=public_column(name)) for name in stable_order]
    if orders:
        query = query.order_by(*orders, copy=False)
    query = query.limit(clauses.limit, copy=False).offset(clauses.offset, copy=False)
    sql = for_dialect(query, dialect).sql(dialect=dialect)
    points = frozenset(item.alias for item in selected if is_point(item.this))
    return CompiledQuery(sql, names, clauses.limit, clauses.offset, points)


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
    if kind == "string":
        return exp.EQ(this=public_column(name), expression=exp.Literal.string(value))
    # Times of day, and any other type, compare as the text the API writes.
    return exp.EQ(
        this=exp.Cast(this=public_column(name), to=exp.DataType.build("text")),
        expression=exp.Literal.string(value),
    )


def select_list(
    items: list[exp.Expression] | None,
    columns: Mapping[str, Column],
    point: tuple[str, str] | None,
    withheld: Collection[str],
    system: Mapping[str, exp.Expression] | None = None,
) -> tuple[list[exp.Alias], dict[str, exp.Expression]]:
    """Rebuild the $select list; return it and the aliases it defines, by name."""
    if items is None:
        return [alias(public_column(name), name) for name in columns], {}
    system = system or {}
    builder = Builder(columns, point, clause="$select", system=system)
    # `:*` stands for every system field and `*` for every column, alone or together.
    expanded: list[exp.Expression] = []
    for item in items:
        if isinstance(item, exp.Placeholder) and item.name == "*":
            expanded += [exp.Placeholder(this=name) for name in system]
        elif (
            isinstance(item, exp.Star)
            and len(items) > 1
            and all(isinstance(other, exp.Star | exp.Placeholder) for other in items)
        ):
            expanded += [exp.column(name) for name in columns]
        else:
            expanded.append(item)
    items = expanded
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
            if isinstance(item, exp.Column):
                name = item.name
            elif isinstance(item, exp.Placeholder):
                name = f":{str(item.name).lower()}"
            else:
                name = default_name(item, index)
                name = f"_col{index + 1}" if name.lower() in taken else name
        if not valid_name(name.removeprefix(":") if isinstance(item, exp.Placeholder) else name):
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
            if "id" not in builder.system or not stable_order:
                # Refused like any unknown name: the key may be withheld.
                builder.system_field(item.this)
            orders += [exp.Ordered(this=public_column(name), desc=desc) for name in stable_order]
        else:
            # sqlglot marks NULLS FIRST on the node; NULLS LAST is every engine's default
            # as rendered here, so only FIRST needs carrying over.
            nulls_first = True if item.args.get("nulls_first") else None
            key = builder.build(item.this)
            if not isinstance(item.this, exp.Placeholder):
                key = constant_refused(key, builder, item.this)
            orders.append(exp.Ordered(this=key, desc=desc, nulls_first=nulls_first))
    return orders


def constant_refused(
    key: exp.Expression, builder: Builder, asked: exp.Expression
) -> exp.Expression:
    """Refuse an order or group key that reads no column and no aggregate.

    Engines read a whole number there as the position of a selected value (`$order=2`
    would silently order by the second field) and refuse a text; neither is SoQL's meaning.
    """
    if key.find(exp.Column, *AGGREGATES) is None:
        raise builder.fail(
            f"{asked.sql(dialect=DIALECT)[:40]} is a constant; order or group by a column "
            "or an expression of one."
        )
    return key


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


def default_name(node: exp.Expression, index: int) -> str:
    """Name an unaliased value after its text, as Socrata does: `count(*)` is `count`,
    `max(days)` is `max_days`, `date_trunc_ym(created_date)` is `date_trunc_ym_created_date`.

    A text too long for a name falls back to `_col` and the value's position.
    """
    words = re.findall(r"[a-z0-9]+", node.sql(dialect=DIALECT).lower())
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
        words.remove("distinct")  # count(distinct type) is count_type
    name = "_".join(words)
    return name if name and len(name) <= 64 else f"_col{index + 1}"


def valid_name(name: str) -> bool:
    return bool(name) and len(name) <= 64 and name.replace("_", "a").isalnum()


def columns_from_schema(fields: list[dict[str, Any]]) -> dict[str, Column]:
    """Return the public columns of a Table Schema, in order."""
    return {
        spec["name"]: Column(spec["name"], spec.get("type", "string"))
        for spec in fields
        if field_is_public(spec)
    }
