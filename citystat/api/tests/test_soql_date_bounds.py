"""A date column compared with a constant moment reads the dates as stored (so engines can
skip row groups), and answers exactly as comparing each date's midnight would (#18)."""

import datetime as dt
import operator

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from citystat.api.soql import Column, compile_query
from citystat.api.soql.expressions import RAW_DATE

COLUMNS = {"id": Column("id", "integer"), "opened": Column("opened", "date")}
DAYS = [dt.date(2025, 1, d) for d in (1, 2, 3)] + [None]
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
MOMENTS = ["2025-01-02", "2025-01-02T00:00:00", "2025-01-02T00:00:00.001", "2025-01-02 13:30"]


@pytest.fixture(scope="module")
def table():
    connection = duckdb.connect()
    connection.execute("create table t (id integer, opened date)")
    connection.executemany("insert into t values (?, ?)", list(enumerate(DAYS)))
    return connection


def expected(sign: str, moment: str, mirrored: bool) -> list[int]:
    at = dt.datetime.fromisoformat(moment)
    test = OPERATORS[sign]
    return [
        index
        for index, day in enumerate(DAYS)
        if day is not None
        and (
            test(at, dt.datetime.combine(day, dt.time()))
            if mirrored
            else test(dt.datetime.combine(day, dt.time()), at)
        )
    ]


@pytest.mark.parametrize("sign", OPERATORS)
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("mirrored", [False, True])
def test_each_bound_gives_what_comparing_midnights_gives(table, sign, moment, mirrored):
    where = f"'{moment}' {sign} opened" if mirrored else f"opened {sign} '{moment}'"
    query = compile_query({"$where": where, "$order": "id"}, COLUMNS, "t", ["id"])
    rows = [row[0] for row in table.execute(query.sql).fetchall()]
    assert rows == expected(sign, moment, mirrored)
    # The filter reads the stored date, not its cast: the engine may prune by it.
    tree = sqlglot.parse_one(query.sql, read="duckdb")
    filtered = {column.name for column in tree.args["where"].find_all(exp.Column)}
    assert filtered == {RAW_DATE.format("opened")}


@pytest.mark.parametrize("where", ["opened = '2025-01-02'", "opened > '2025-01-02T00:00:00Z'"])
def test_other_comparisons_keep_the_floating_timestamp(where):
    query = compile_query({"$where": where}, COLUMNS, "t", ["id"])
    tree = sqlglot.parse_one(query.sql, read="duckdb")
    filtered = {column.name for column in tree.args["where"].find_all(exp.Column)}
    assert RAW_DATE.format("opened") not in filtered
