"""SODA answers agree with the same question computed independently (#18).

Hypothesis generates queries over a small dataset with text, number, integer, boolean,
date and datetime columns, all with nulls. Each query is written twice from one
generated description: as SoQL, asked of the real SODA endpoint through Django's test
client, and as plain DuckDB SQL over an in-memory table holding the same rows, written
by the small translator in this file (never by citystat's compiler). Any difference in
the fields, the rows, their values or (where `$order` decides it) their order fails.

Rows that tie on `$order` come in the documented order (docs/api.md: the primary key,
or for groups every selected value in turn), so the reference breaks ties the same way
and an answer cut by `$limit`/`$offset` is checked too.

The test runs on the DuckDB warehouse in every pass and on PostgreSQL when
CITYSTAT_TEST_POSTGRES_URL names a server (the engine pass); the reference is DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import random
from dataclasses import dataclass

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import field

ROW_COUNT = 60
# Sums and averages of fractional numbers may differ in their last bits between engines
# (docs/warehouses.md, "The same answers everywhere").
RELATIVE = 1e-9

SCHEMA = {
    "fields": [
        field("id", "integer", constraints={"required": True, "unique": True}),
        field("kind"),
        field("note"),
        field("amount", "number"),
        field("qty", "integer"),
        field("flag", "boolean"),
        field("day", "date"),
        field("stamp", "datetime"),
    ],
    "primaryKey": ["id"],
}
COLUMNS = [spec["name"] for spec in SCHEMA["fields"]]
KINDS = ["Pothole", "Graffiti", "Tall Weeds", "Missed Trash", "Sidewalk"]
NOTES = ["fixed by crew", "Duplicate", "see 311 call", "no access", "crew sent twice"]


def make_rows() -> list[tuple]:
    """Sixty rows with a fixed seed; about one value in six is null."""
    generator = random.Random(18)

    def maybe(value):
        return None if generator.random() < 0.17 else value

    rows = []
    for number in range(1, ROW_COUNT + 1):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=generator.randrange(0, 700))
        stamp = dt.datetime(2024, 6, 1) + dt.timedelta(seconds=generator.randrange(0, 40_000_000))
        rows.append(
            (
                number,
                maybe(generator.choice(KINDS)),
                maybe(generator.choice(NOTES)),
                maybe(round(generator.uniform(-50, 500), 2)),
                maybe(generator.randrange(0, 21)),
                maybe(generator.random() < 0.5),
                maybe(day),
                maybe(stamp),
            )
        )
    return rows


ROWS = make_rows()


def write_csv(path) -> None:
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        return str(value)

    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows([cell(value) for value in row] for row in ROWS)


@pytest.fixture(params=["duckdb", "postgres"])
def sample(request, db, settings, tmp_path) -> str:
    """Publish the rows on the engine under test; return the dataset's slug."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_warehouse")
    settings.CITYSTAT_HOME = tmp_path / "home"
    # Hundreds of requests in one test; the rate limit has its own tests.
    settings.CITYSTAT_API_RATE_ANON = "1000000/minute"
    dataset = Dataset.objects.create(
        slug="differential", title="Differential", table_schema=SCHEMA, is_public=True
    )
    write_csv(tmp_path / "rows.csv")
    ingest(dataset, tmp_path / "rows.csv")
    return dataset.slug


@pytest.fixture(scope="module")
def reference() -> duckdb.DuckDBPyConnection:
    """The same rows in an in-memory DuckDB table; dates are floating timestamps in SoQL."""
    connection = duckdb.connect()
    connection.execute(
        "create table t (id bigint, kind varchar, note varchar, amount double, qty bigint,"
        " flag boolean, day timestamp, stamp timestamp)"
    )
    connection.executemany("insert into t values (?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    return connection


# ---- The translator: each generated piece is a pair (SoQL text, reference SQL text). ----


@dataclass(frozen=True)
class Piece:
    soql: str
    sql: str
    kind: str  # text, number, boolean, time

    def wrap(self, soql: str, sql: str, kind: str | None = None) -> Piece:
        return Piece(soql.format(self.soql), sql.format(self.sql), kind or self.kind)


def column(name: str, kind: str) -> Piece:
    return Piece(name, f't."{name}"', kind)


def text_literal(value: str) -> Piece:
    quoted = "'" + value.replace("'", "''") + "'"
    return Piece(quoted, quoted, "text")


def number_literal(value: float | int) -> Piece:
    return Piece(str(value), f"({value})", "number")


def time_literal(moment: dt.datetime, date_only: bool) -> Piece:
    if date_only:
        moment = dt.datetime.combine(moment.date(), dt.time())
    text = moment.date().isoformat() if date_only else moment.isoformat(timespec="seconds")
    return Piece(f"'{text}'", f"TIMESTAMP '{moment.isoformat(sep=' ')}'", "time")


TEXT_COLUMNS = st.sampled_from([column("kind", "text"), column("note", "text")])
NUMBER_COLUMNS = st.sampled_from([column("amount", "number"), column("qty", "number")])
TIME_COLUMNS = st.sampled_from([column("day", "time"), column("stamp", "time")])
WORDS = sorted({word for text in KINDS + NOTES for word in text.split()})
TEXT_LITERALS = st.one_of(
    st.sampled_from(KINDS + NOTES).map(text_literal),
    st.sampled_from(WORDS + ["pothole", "it's"]).map(text_literal),
)
NUMBER_LITERALS = st.one_of(
    st.integers(-5, 25).map(number_literal),
    st.sampled_from([0.5, 99.99, -12.25, 250]).map(number_literal),
)
# Moments the rows hold, and the same days at other hours: where a date and a time of
# that day compare, a date must act as its midnight.
MOMENTS = sorted(
    {dt.datetime.combine(row[6], dt.time()) for row in ROWS if row[6] is not None}
    | {row[7] for row in ROWS if row[7] is not None}
)
TIME_LITERALS = st.builds(
    time_literal,
    st.one_of(
        st.datetimes(dt.datetime(2023, 12, 1), dt.datetime(2026, 2, 1)).map(
            lambda moment: moment.replace(microsecond=0)
        ),
        st.sampled_from(MOMENTS),
        st.builds(
            lambda moment, hours: moment.replace(hour=hours),
            st.sampled_from(MOMENTS),
            st.sampled_from([0, 10, 23]),
        ),
    ),
    st.booleans(),
)

TEXT_FUNCTIONS = st.sampled_from([("upper({})", "upper({})"), ("lower({})", "lower({})")])
TRUNCATIONS = {"y": "year", "ym": "month", "ymd": "day"}
EXTRACTIONS = {"y": "year", "m": "month", "d": "day", "hh": "hour", "dow": "dow"}


def joined(left: Piece, right: Piece) -> Piece:
    return Piece(f"{left.soql} || {right.soql}", f"({left.sql} || {right.sql})", "text")


def first_of(left: Piece, right: Piece, function: str = "coalesce") -> Piece:
    return Piece(
        f"{function}({left.soql}, {right.soql})", f"{function}({left.sql}, {right.sql})", left.kind
    )


SIZES = Piece(
    "case(qty > 10, 'many', qty <= 10, 'few')",
    """(CASE WHEN t."qty" > 10 THEN 'many' WHEN t."qty" <= 10 THEN 'few' END)""",
    "text",
)


def text_value() -> st.SearchStrategy[Piece]:
    simple = st.one_of(TEXT_COLUMNS, TEXT_COLUMNS, TEXT_LITERALS)
    return st.one_of(
        simple,
        st.builds(lambda piece, function: piece.wrap(*function), TEXT_COLUMNS, TEXT_FUNCTIONS),
        st.builds(joined, TEXT_COLUMNS, simple),
        st.builds(first_of, TEXT_COLUMNS, TEXT_LITERALS),
        st.just(SIZES),
    )


def extraction(piece: Piece, unit: str) -> Piece:
    return piece.wrap(
        f"date_extract_{unit}({{}})",
        f"cast(extract({EXTRACTIONS[unit]} from {{}}) as bigint)",
        "number",
    )


def truncation(piece: Piece, unit: str) -> Piece:
    return piece.wrap(f"date_trunc_{unit}({{}})", f"date_trunc('{TRUNCATIONS[unit]}', {{}})")


def arithmetic(left: Piece, operator: str, right: Piece) -> Piece:
    return Piece(
        f"({left.soql} {operator} {right.soql})", f"({left.sql} {operator} {right.sql})", "number"
    )


def division(left: Piece, divisor: int) -> Piece:
    # SoQL numbers are decimals: 7 / 2 is 3.5 on every engine.
    return Piece(f"({left.soql} / {divisor})", f"({left.sql} / {divisor}::double)", "number")


def number_value() -> st.SearchStrategy[Piece]:
    simple = st.one_of(NUMBER_COLUMNS, NUMBER_COLUMNS, NUMBER_LITERALS)
    return st.one_of(
        simple,
        st.builds(arithmetic, NUMBER_COLUMNS, st.sampled_from(["+", "-", "*"]), simple),
        st.builds(division, NUMBER_COLUMNS, st.sampled_from([2, 4, -3])),
        st.builds(extraction, TIME_COLUMNS, st.sampled_from(sorted(EXTRACTIONS))),
        *[
            st.builds(first_of, NUMBER_COLUMNS, simple, st.just(function))
            for function in ("coalesce", "greatest", "least")
        ],
        st.builds(
            lambda piece: Piece(f"{piece.soql} ^ 2", f"power({piece.sql}, 2)", "number"),
            NUMBER_COLUMNS,
        ),
        st.just(Piece("ln(qty + 1)", 'ln(t."qty" + 1)', "number")),
    )


def time_value() -> st.SearchStrategy[Piece]:
    return st.one_of(
        TIME_COLUMNS,
        TIME_COLUMNS,
        st.builds(truncation, TIME_COLUMNS, st.sampled_from(sorted(TRUNCATIONS))),
    )


LITERALS = {"text": TEXT_LITERALS, "number": NUMBER_LITERALS, "time": TIME_LITERALS}
VALUES = {"text": text_value(), "number": number_value(), "time": time_value()}
KINDS_OF_VALUE = st.sampled_from(["text", "number", "time"])
COMPARISONS = ["=", "!=", "<", "<=", ">", ">="]


@st.composite
def comparison(draw) -> Piece:
    """One simple condition, with every SoQL operator and its negation."""
    kind = draw(KINDS_OF_VALUE)
    value = draw(VALUES[kind])
    form = draw(st.integers(0, 8))
    if form == 0:
        operator = draw(st.sampled_from(COMPARISONS))
        other = draw(st.one_of(LITERALS[kind], VALUES[kind]))
        return Piece(
            f"{value.soql} {operator} {other.soql}",
            f"{value.sql} {'<>' if operator == '!=' else operator} {other.sql}",
            "boolean",
        )
    if form == 1:
        items = draw(st.lists(LITERALS[kind], min_size=1, max_size=3))
        negation = draw(st.sampled_from(["", "not "]))
        return Piece(
            f"{value.soql} {negation}in ({', '.join(item.soql for item in items)})",
            f"{value.sql} {negation}in ({', '.join(item.sql for item in items)})",
            "boolean",
        )
    if form == 2:
        low, high = draw(LITERALS[kind]), draw(LITERALS[kind])
        negation = draw(st.sampled_from(["", "not "]))
        return Piece(
            f"{value.soql} {negation}between {low.soql} and {high.soql}",
            f"{value.sql} {negation}between {low.sql} and {high.sql}",
            "boolean",
        )
    if form == 3:
        negation = draw(st.sampled_from(["", "not "]))
        return value.wrap(f"{{}} is {negation}null", f"{{}} is {negation}null", "boolean")
    if draw(st.integers(0, 7)) == 0:
        # A date against a time of a day the rows hold: the date is that day's midnight.
        day = draw(st.sampled_from([moment for moment in MOMENTS if moment.hour == 0]))
        moment = draw(st.sampled_from([day, day.replace(hour=10)]))
        operator = draw(st.sampled_from(COMPARISONS))
        literal = time_literal(moment, False)
        return Piece(
            f"day {operator} {literal.soql}",
            f't."day" {"<>" if operator == "!=" else operator} {literal.sql}',
            "boolean",
        )
    if form in (4, 5):
        text = draw(text_value())
        pattern = draw(
            st.sampled_from(["Pot%", "%crew%", "%e", "_ot%", "%", "Sidewalk", "%'s%", "no%"])
        )
        negation = draw(st.sampled_from(["", "not ", "NOT "]))
        quoted = text_literal(pattern).soql
        return Piece(
            f"{text.soql} {negation}like {quoted}", f"{text.sql} {negation}like {quoted}", "boolean"
        )
    if form == 6:
        text, prefix = draw(text_value()), draw(TEXT_LITERALS)
        return Piece(
            f"starts_with({text.soql}, {prefix.soql})",
            f"starts_with({text.sql}, {prefix.sql})",
            "boolean",
        )
    if form == 7:
        return draw(
            st.sampled_from(
                [
                    Piece("flag", 't."flag"', "boolean"),
                    Piece("flag = true", 't."flag" = true', "boolean"),
                    Piece("flag != false", 't."flag" <> false', "boolean"),
                ]
            )
        )
    value = draw(VALUES["number"])
    return Piece(
        f"{value.soql} > {value.soql}", f"{value.sql} > {value.sql}", "boolean"
    )  # never true, never an error


def condition() -> st.SearchStrategy[Piece]:
    simple = comparison()
    return st.one_of(
        simple,
        simple,
        st.builds(lambda piece: piece.wrap("not ({})", "not ({})"), simple),
        st.builds(
            lambda left, word, right: Piece(
                f"({left.soql} {word} {right.soql})", f"({left.sql} {word} {right.sql})", "boolean"
            ),
            simple,
            st.sampled_from(["and", "or", "AND", "OR"]),
            simple,
        ),
    )


@dataclass
class Query:
    """One generated question: SODA parameters and the reference SQL that answers it."""

    parameters: dict[str, str]
    sql: str
    names: list[str]
    ordered: int  # how many leading ORDER BY keys of `sql` the asked $order gives


ALIASES = ["a_1", "total", "x", "value_2"]
SEARCHES = ["pot", "CREW", "weeds", "311", "nothing at all", "e"]


def search_condition(text: str) -> str:
    needle = text_literal(text.lower()).sql
    return (
        "("
        + " or ".join(f'contains(lower(t."{name}"), {needle})' for name in ("kind", "note"))
        + ")"
    )


@st.composite
def row_query(draw) -> Query:
    """Rows: some selected values (or all columns), a filter, an order, a page."""
    if draw(st.booleans()):
        items, names = [Piece(name, f't."{name}"', "") for name in COLUMNS], list(COLUMNS)
        select = None
    else:
        count = draw(st.integers(1, 3))
        items, names, shown = [], [], []
        for index in range(count):
            kind = draw(KINDS_OF_VALUE)
            value = draw(
                VALUES[kind]
                if draw(st.booleans())
                else st.sampled_from([column(name, kind) for name in COLUMNS[1:]])
            )
            if value.soql in COLUMNS and value.soql not in names and draw(st.booleans()):
                names.append(value.soql)
                shown.append(value.soql)
            else:
                names.append(ALIASES[index])
                shown.append(f"{value.soql} as {ALIASES[index]}")
            items.append(value)
        select = ", ".join(shown)
    # DISTINCT rows are ordered by selected values only, and tie like groups.
    distinct = select is not None and draw(st.integers(0, 3)) == 0
    where = draw(condition()) if draw(st.booleans()) else None
    key = order_key(items, names)
    if distinct:
        key = key.filter(lambda chosen: chosen[0] in names)
    orders = draw(st.lists(st.tuples(key, st.sampled_from(["", " desc"])), max_size=2))
    if distinct:
        select = f"distinct {select}"
    return finish(draw, select, items, names, where, None, None, orders, not distinct, distinct)


def reads_something(sql: str) -> bool:
    """Whether a value reads a column or aggregates; a constant key is refused."""
    aggregates = ("sum(", "avg(", "min(", "max(", "count(", "stddev_", "(CASE WHEN var_pop")
    return 't."' in sql or sql.startswith(aggregates)


@st.composite
def order_key(draw, items: list[Piece], names: list[str]) -> tuple[str, str]:
    keys = [index for index, item in enumerate(items) if reads_something(item.sql)]
    if keys and draw(st.booleans()):
        index = draw(st.sampled_from(keys))
        return names[index], items[index].sql
    value = draw(VALUES[draw(KINDS_OF_VALUE)].filter(lambda piece: reads_something(piece.sql)))
    return value.soql, value.sql


AGGREGATES = [
    lambda value: value.wrap("sum({})", "sum({})"),
    lambda value: value.wrap("avg({})", "avg({})"),
    lambda value: value.wrap("min({})", "min({})"),
    lambda value: value.wrap("max({})", "max({})"),
    lambda value: value.wrap("count({})", "count({})", "number"),
    lambda value: value.wrap("count(distinct {})", "count(distinct {})", "number"),
]


def regression(name: str, y: str, x: str) -> Piece:
    """A regression, null where its line is undefined (every x the same), as on PostgreSQL."""
    spread = f'var_pop(CASE WHEN t."{y}" IS NOT NULL THEN t."{x}" END)'
    return Piece(
        f"regr_{name}({y}, {x})",
        f'(CASE WHEN {spread} > 0 THEN regr_{name}(t."{y}", t."{x}") END)',
        "number",
    )


STATISTICS = [
    Piece("stddev_pop(amount)", 'stddev_pop(t."amount")', "number"),
    Piece("stddev_samp(qty)", 'stddev_samp(t."qty")', "number"),
    *[regression(name, "amount", "qty") for name in ("slope", "intercept")],
    regression("r2", "qty", "amount"),
]


@st.composite
def aggregate(draw) -> Piece:
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return Piece("count(*)", "count(*)", "number")
    if choice == 1:
        return draw(st.sampled_from(STATISTICS))
    function = draw(st.integers(0, len(AGGREGATES) - 1))
    kind = "number" if function < 2 else draw(KINDS_OF_VALUE)
    return AGGREGATES[function](draw(VALUES[kind]))


GROUP_KEYS = [
    column("kind", "text"),
    column("flag", "boolean"),
    column("qty", "number"),
    truncation(column("day", "time"), "ym"),
    truncation(column("stamp", "time"), "y"),
    extraction(column("day", "time"), "dow"),
    Piece("upper(note)", 'upper(t."note")', "text"),
]


@st.composite
def grouped_query(draw) -> Query:
    """Groups: keys (by name or by alias), aggregates, conditions on both, an order, a page."""
    keys = draw(st.lists(st.sampled_from(GROUP_KEYS), max_size=2, unique_by=lambda p: p.soql))
    items, names, shown, grouped = [], [], [], []
    for index, key in enumerate(keys):
        items.append(key)
        if key.soql in COLUMNS:
            names.append(key.soql)
            shown.append(key.soql)
            grouped.append(key.soql)
        else:
            alias = f"key_{index}"
            names.append(alias)
            shown.append(f"{key.soql} as {alias}")
            grouped.append(alias if draw(st.booleans()) else key.soql)
    for index in range(draw(st.integers(1, 2))):
        value = draw(aggregate())
        items.append(value)
        names.append(ALIASES[index])
        shown.append(f"{value.soql} as {ALIASES[index]}")
    where = draw(condition()) if draw(st.booleans()) else None
    having = None
    if draw(st.booleans()):
        counted = draw(st.sampled_from([i for i, item in enumerate(items) if i >= len(keys)]))
        operator = draw(st.sampled_from(COMPARISONS))
        threshold = draw(st.integers(0, 12))
        subject = names[counted] if draw(st.booleans()) else items[counted].soql
        if items[counted].kind == "number":
            having = Piece(
                f"{subject} {operator} {threshold}",
                f"{items[counted].sql} {'<>' if operator == '!=' else operator} {threshold}",
                "boolean",
            )
        else:
            having = Piece("count(*) > 2", "count(*) > 2", "boolean")
    by_name = order_key(items, names).filter(lambda key: key[0] in names)
    orders = draw(st.lists(st.tuples(by_name, st.sampled_from(["", " desc", " asc"])), max_size=2))
    group = (", ".join(grouped), [key.sql for key in keys]) if keys else None
    return finish(draw, ", ".join(shown), items, names, where, group, having, orders, False)


def finish(
    draw, select, items, names, where, group, having, orders, ungrouped, distinct=False
) -> Query:
    """Add $q, equality filters and a page; write the parameters and the reference SQL."""
    parameters: dict[str, str] = {}
    if select is not None:
        parameters["$select"] = select
    conditions = [where.sql] if where is not None else []
    if where is not None:
        parameters["$where"] = where.soql
    search = draw(st.sampled_from([None] * 12 + SEARCHES))
    if search is not None:
        parameters["$q"] = search
        conditions.append(search_condition(search))
    if draw(st.integers(0, 4)) == 0:
        name, value, sql = draw(
            st.sampled_from(
                [
                    ("kind", "Pothole", "t.\"kind\" = 'Pothole'"),
                    ("qty", "07", 't."qty" = 7'),
                    ("flag", "false", 't."flag" = false'),
                    ("day", day_text(), f"t.\"day\" = TIMESTAMP '{day_text()[:10]}'"),
                ]
            )
        )
        parameters[name] = value
        conditions.append(sql)
    if group is not None:
        parameters["$group"] = group[0]
    if having is not None:
        parameters["$having"] = having.soql
    if orders:
        parameters["$order"] = ", ".join(f"{soql}{direction}" for (soql, _), direction in orders)
    limit = draw(st.sampled_from([None, 0, 1, 3, 7]))
    offset = draw(st.sampled_from([None, None, 1, 4]))
    if limit is not None:
        parameters["$limit"] = str(limit)
    if offset is not None:
        parameters["$offset"] = str(offset)
    # The documented tie-break: rows by their key, groups by each selected value in turn.
    ties = ['t."id"'] if ungrouped else [str(position + 1) for position in range(len(items))]
    asked = [f"{sql}{direction.upper()} NULLS LAST" for (_, sql), direction in orders]
    sql = ("SELECT DISTINCT " if distinct else "SELECT ") + ", ".join(
        f'{item.sql} AS "{name}"' for item, name in zip(items, names, strict=True)
    )
    sql += " FROM t"
    if conditions:
        sql += " WHERE " + " AND ".join(f"({condition})" for condition in conditions)
    if group is not None:
        sql += " GROUP BY " + ", ".join(group[1])
    if having is not None:
        sql += f" HAVING {having.sql}"
    sql += " ORDER BY " + ", ".join([*asked, *(f"{tie} NULLS LAST" for tie in ties)])
    sql += f" LIMIT {1000 if limit is None else limit} OFFSET {offset or 0}"
    return Query(parameters, sql, names, len(asked))


def day_text() -> str:
    day = next(row[6] for row in ROWS if row[6] is not None)
    return f"{day.isoformat()}T00:00:00.000"


@st.composite
def queries(draw) -> Query:
    query = draw(st.one_of(row_query(), grouped_query()))
    plain = not any(name in query.parameters for name in ("$q", *COLUMNS))
    if plain and draw(st.integers(0, 3)) == 0:
        query.parameters = {"$query": as_statement(query.parameters)}
    return query


STATEMENT = [("$select", "SELECT"), ("$where", "WHERE"), ("$group", "GROUP BY"),
             ("$having", "HAVING"), ("$order", "ORDER BY"), ("$limit", "LIMIT"),
             ("$offset", "OFFSET")]  # fmt: skip


def as_statement(parameters: dict[str, str]) -> str:
    """Write the same clauses as one $query statement, as sodapy's `query=` sends them."""
    parameters = {"$select": "*"} | parameters
    return " ".join(f"{word} {parameters[key]}" for key, word in STATEMENT if key in parameters)


# ---- Comparing the two answers. ----


def expected_value(value):
    """Write a reference value as SODA's JSON does: numbers as text, times with millis."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, int | float | decimal.Decimal):
        return float(value)
    return value


def same_value(answered, expected) -> bool:
    if isinstance(expected, float):
        if not isinstance(answered, str):
            return False
        number = float(answered)
        return math.isclose(number, expected, rel_tol=RELATIVE, abs_tol=1e-9)
    return answered == expected


def check(client, slug: str, reference: duckdb.DuckDBPyConnection, query: Query) -> None:
    response = client.get(f"/resource/{slug}.json", query.parameters)
    body = json.loads(response.getvalue())
    assert response.status_code == 200, (query.parameters, body)
    assert json.loads(response["X-SODA2-Fields"]) == query.names, query.parameters
    expected = reference.execute(query.sql).fetchall()
    wanted = [
        {
            name: expected_value(value)
            for name, value in zip(query.names, row, strict=True)
            if value is not None
        }
        for row in expected
    ]
    assert len(body) == len(wanted), (query.parameters, query.sql, body, wanted)
    for answered, row in zip(body, wanted, strict=True):
        assert answered.keys() == row.keys(), (query.parameters, query.sql, body, wanted)
        assert all(same_value(answered[name], row[name]) for name in row), (
            query.parameters,
            query.sql,
            body,
            wanted,
        )


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries())
def test_soda_answers_what_an_independent_translation_answers(client, sample, reference, query):
    check(client, sample, reference, query)
