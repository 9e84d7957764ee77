"""Draft a Table Schema from sample files, for staff to review and edit.

A draft reads only the first SAMPLE_ROWS rows of each file, so a 10-million-row export
drafts in a second or two. Every value of a column across all the files' samples must fit
a type for the column to get it (a column that is whole numbers in one file and decimals
in another is a number; dates in one and datetimes in another, a datetime), so the types
are widened the same way whichever file comes first. Dates and datetimes record the one
format that read them all, such as `%m/%d/%Y %I:%M:%S %p`, so the load reads them with
it; a column mixing spellings gets `any`, which tries every common US and ISO spelling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import duckdb

from citystat.catalog.schema import (
    DATETIME_FORMATS,
    DEFAULT_FALSE,
    DEFAULT_TRUE,
    TIME_FORMATS,
    US_DATE_FORMATS,
    US_DATETIME_FORMATS,
    header_key,
    validate_schema,
)
from citystat.catalog.sources import Source, SourceError, open_source
from citystat.catalog.warehouse import quote_identifier

SAMPLE_ROWS = 50_000
# Two-digit years before four: '%m/%d/%Y' would read '1/7/20' as the year 20.
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y", "%Y/%m/%d"]
# 0 and 1 read as integers, which is what a count or a flag column usually is.
BOOLEAN_WORDS = [word for word in DEFAULT_TRUE + DEFAULT_FALSE if word not in ("0", "1")]
# Leading zeros mark a code (a ZIP code such as 00501, a padded id): kept as text.
INTEGER_PATTERN = r"[-+]?(0|[1-9][0-9]*)"
NUMBER_PATTERN = r"[-+]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
# Only a column every value of which looks like these is tried against date formats.
DATE_LIKE = r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}([ T].*)?"
TIME_LIKE = r"[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)? ?([AaPp][Mm])?"
PROBE_VALUES = 50
# Columns that usually identify a person or a property: withheld until staff decide.
PRIVATE_NAMES = re.compile(r"address|name|email|phone|parcel|owner|birth|ssn", re.IGNORECASE)
KEY_NAMES = re.compile(r"(^|_)(id|number|no|num|key|case)$")


@dataclass
class Column:
    """One column as the draft sees it across the files: the first header seen names it."""

    header: str
    name: str
    files: list[int] = field(default_factory=list)
    headers: dict[int, str] = field(default_factory=dict)


def field_name(column: str) -> str:
    """Turn a source column such as 'CREATION DATE' into a field name such as 'creation_date'."""
    name = re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")
    return name if name and not name[0].isdigit() else f"c_{name}"


def infer_schema(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a draft Table Schema and column map for the sample file at `path`.

    The map is needed only for a field whose name does not read as its header (a header
    starting with a digit gets a `c_` prefix); others are matched by the load itself.
    """
    schema = draft_schema([path])
    column_map = {
        spec["name"]: spec["title"]
        for spec in schema["fields"]
        if header_key(spec["name"]) != header_key(spec["title"])
    }
    return schema, column_map


def draft_schema(
    paths: Sequence[str | Path], encoding: str = "utf-8", sample_rows: int = SAMPLE_ROWS
) -> dict[str, Any]:
    """Return a draft Table Schema for the files at `paths`, read from a sample of each."""
    with ExitStack() as stack, duckdb.connect() as connection:
        # The draft's JSON goes to standard output; DuckDB's bar would write over the terminal.
        connection.execute("set enable_progress_bar = false")
        columns: dict[str, Column] = {}
        for number, path in enumerate(paths):
            source = stack.enter_context(open_source(str(path), encoding))
            headers = sample(connection, source, number, sample_rows)
            for header in headers:
                column = columns.setdefault(
                    header_key(header), Column(header.strip(), field_name(header))
                )
                column.files.append(number)
                column.headers[number] = header
        total = sum(count_rows(connection, f"sample_{number}") for number in range(len(paths)))
        fields = [describe_column(connection, column, total) for column in columns.values()]
    schema: dict[str, Any] = {"fields": [spec for spec, _ in fields]}
    key = suggested_key([(spec, unique) for spec, unique in fields])
    if key:
        schema["primaryKey"] = [key]
    validate_schema(schema)
    return schema


def sample(
    connection: duckdb.DuckDBPyConnection, source: Source, number: int, rows: int
) -> list[str]:
    """Copy the first `rows` rows of `source`, as text, into table sample_N; return its header."""
    try:
        connection.execute(
            f"create temp table sample_{number} as select * from {source.reader} limit ?",
            [*source.reader_parameters, rows],
        )
        headers = [row[0] for row in connection.execute(f"describe sample_{number}").fetchall()]
    except duckdb.Error as error:
        reason = str(error).strip().splitlines()[0]
        raise SourceError(f"{source.label}: cannot be read to draft a schema ({reason}).") from None
    seen: dict[str, str] = {}
    for header in headers:
        other = seen.setdefault(header_key(header), header)
        if other != header:
            raise SourceError(
                f"{source.label}, line 1 (the header): {other!r} and {header!r} read as the "
                "same field once case, spaces and punctuation are set aside; rename one."
            )
    return headers


def count_rows(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    found = connection.execute(f"select count(*) from {table}").fetchone()
    return int(found[0]) if found else 0


def describe_column(
    connection: duckdb.DuckDBPyConnection, column: Column, total: int
) -> tuple[dict[str, Any], bool]:
    """Return the column's draft field and whether it could be a key (unique, never empty)."""
    parts = [
        f"select nullif(trim({quote_identifier(column.headers[number])}), '') as v "
        f"from sample_{number}"
        for number in column.files
    ]
    # Every check below holds for all values exactly when it holds for each distinct one,
    # and a category column of 100,000 rows has a few dozen distinct values.
    connection.execute(
        "create or replace temp table distinct_values as select v, count(*) as n from "
        f"({' union all '.join(parts)}) group by v"
    )
    found = connection.execute(
        "select sum(n), sum(n) filter (where v is not null), count(v), "
        "count(*) filter (where list_contains(?, v)), "
        "count(try_cast(v as bigint)) filter (where regexp_full_match(v, ?)), "
        "count(*) filter (where regexp_full_match(v, ?)), "
        "count(*) filter (where regexp_full_match(v, ?)), "
        "count(*) filter (where regexp_full_match(v, ?)) from distinct_values",
        [BOOLEAN_WORDS, INTEGER_PATTERN, NUMBER_PATTERN, DATE_LIKE, TIME_LIKE],
    ).fetchone()
    assert found is not None
    rows, present, distinct, booleans, integers, numbers, dates, times = (
        int(value or 0) for value in found
    )
    spec: dict[str, Any] = {"name": column.name, "type": "string", "title": column.header}
    if not present:
        pass
    elif booleans == distinct:
        spec["type"] = "boolean"
    elif integers == distinct:
        spec["type"] = "integer"
    elif numbers == distinct:
        spec["type"] = "number"
    elif dates == distinct or times == distinct:
        spec.update(temporal_type(connection, dates == distinct))
    if PRIVATE_NAMES.search(column.header):
        spec["public"] = False
    unique = rows == total and present == total and distinct == total and total > 1
    return spec, unique


def temporal_type(connection: duckdb.DuckDBPyConnection, date_like: bool) -> dict[str, Any]:
    """Return the date, datetime or time type, with the format that reads every value.

    Each format is first tried on a few values: DuckDB parses a value that fits fast but
    one that does not slowly, so a format that misses is dropped after a handful of
    misses, not a hundred thousand.
    """
    candidates = (
        [("date", f) for f in DATE_FORMATS] + [("datetime", f) for f in DATETIME_FORMATS]
        if date_like
        else [("time", f) for f in TIME_FORMATS]
    )
    for kind, candidate in candidates:
        if reads_all(connection, candidate, PROBE_VALUES) and reads_all(connection, candidate):
            return {"type": kind, "format": candidate}
    if date_like:
        for kind, formats in (("date", US_DATE_FORMATS), ("datetime", US_DATETIME_FORMATS)):
            if reads_all(connection, formats):
                return {"type": kind, "format": "any"}
    return {}


def reads_all(
    connection: duckdb.DuckDBPyConnection, formats: str | list[str], limit: int | None = None
) -> bool:
    """Say whether `formats` reads every distinct value (or the first `limit` of them).

    A year under 100 is '%Y' misreading a two-digit year, so it does not count as read.
    """
    found = connection.execute(
        "select count(*) = count(*) filter (where year(try_strptime(v, ?)) >= 100) "
        "from (select v from distinct_values where v is not null limit ?)",
        [formats, limit if limit is not None else 2**62],
    ).fetchone()
    return bool(found and found[0])


def suggested_key(fields: list[tuple[dict[str, Any], bool]]) -> str | None:
    """Return the field to suggest as primary key: unique and never empty in the sample.

    A name such as `case_id` or `srnumber`'s ending `number` is preferred; personal
    columns and dates are never suggested. The load checks the key over every row.
    """
    candidates = [
        spec["name"]
        for spec, unique in fields
        if unique and spec["type"] in ("integer", "string") and spec.get("public", True)
    ]
    named = [name for name in candidates if KEY_NAMES.search(name) or name.endswith("number")]
    return cast(str | None, (named or candidates or [None])[0])
