"""Find which rows of a file do not fit the schema: line, field, value and what was expected.

This is the slow, careful path. A load first tries the fast one-pass copy; only when a
value fails there does it come here to name every reject for the load report.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from citystat.catalog.schema import constraint_checks, raw_checks
from citystat.catalog.sources import Source
from citystat.catalog.warehouse import quote_identifier

REJECT_EXAMPLES = 50


@dataclass
class RejectedValue:
    line: int
    field: str
    value: str | None
    expected: str
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        # Only a load of several files names the file of each reject.
        return {key: value for key, value in asdict(self).items() if key != "file" or value}


@dataclass
class PlannedField:
    """One schema field, the source column it comes from, and its typed expression."""

    spec: dict[str, Any]
    source_column: str | None
    expression: str
    parameters: list[Any]
    sql_type: str

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def quoted(self) -> str:
        return quote_identifier(self.name)

    @property
    def raw(self) -> str:
        return quote_identifier("__raw__" + self.name)

    @property
    def raw_needed(self) -> bool:
        return bool(self.source_column and self.checks())

    def checks(self) -> list[tuple[str, list[Any], str]]:
        """Return (condition true when violated, parameters, expected) over typed and raw."""
        found = raw_checks(self.spec, self.raw, self.quoted) if self.source_column else []
        return found + constraint_checks(self.spec, self.quoted)


def representative_fields(plans: list[list[PlannedField]]) -> list[PlannedField]:
    """Return, per field, the plan of a file that has its column (else the first file's).

    Its checks then compare the raw text with the typed value; a file without the column
    gives that raw text as null (typed_select's `raw_for`), which no check refuses.
    """
    return [
        next((plan[index] for plan in plans if plan[index].source_column), first)
        for index, first in enumerate(plans[0])
    ]


def typed_select(
    fields: list[PlannedField], row_number: bool = False, raw_for: set[str] | None = None
) -> tuple[str, list[Any]]:
    """Return `select` items giving each field typed and, where checked, its raw text.

    `raw_for` names the fields whose raw text every file of a several-file load must give,
    so their selects line up; a file without the column gives null.
    """
    items = ["row_number() over () as __row"] if row_number else []
    parameters: list[Any] = []
    for planned in fields:
        items.append(f"{planned.expression} as {planned.quoted}")
        parameters.extend(planned.parameters)
        wanted = planned.name in raw_for if raw_for is not None else planned.raw_needed
        if wanted and planned.source_column:
            items.append(f"{quote_identifier(planned.source_column)} as {planned.raw}")
        elif wanted:
            items.append(f"null::varchar as {planned.raw}")
    return ", ".join(items), parameters


def find_rejects(
    connection: duckdb.DuckDBPyConnection,
    sources: list[Source],
    plans: list[list[PlannedField]],
    keys: list[list[str]],
) -> tuple[list[RejectedValue], int]:
    """Materialise the typed rows in `checked`, list rejects in `rejects`; return examples.

    Rows are numbered within their file (`__file`, `__row`), and a key repeated across
    two files is a reject of the later one.
    """
    fields = representative_fields(plans)
    raw_for = {planned.name for planned in fields if planned.raw_needed}
    parts, parameters = [], []
    for number, (source, plan) in enumerate(zip(sources, plans, strict=True)):
        items, item_parameters = typed_select(plan, row_number=True, raw_for=raw_for)
        parts.append(f"select {number}::integer as __file, {items} from {source.reader}")
        parameters += item_parameters + source.reader_parameters
    connection.execute(
        f"create or replace temp table checked as {' union all '.join(parts)}", parameters
    )
    queries: list[str] = []
    query_parameters: list[Any] = []
    for planned in fields:
        for condition, condition_parameters, expected in planned.checks():
            # Show the value as the file wrote it, not as it was typed.
            value = planned.raw if planned.source_column else planned.quoted
            queries.append(
                f"select __file, __row, ? as field, {value}::varchar as value, ? as expected "
                f"from checked where {condition}"
            )
            query_parameters.extend([planned.name, expected, *condition_parameters])
    for key in keys:
        columns = ", ".join(quote_identifier(name) for name in key)
        queries.append(
            f"select __file, __row, ? as field, concat_ws(', ', {columns})::varchar as value, "
            "? as expected from (select __file, __row, "
            f"{columns}, row_number() over (partition by {columns} order by __file, __row) "
            "as seen from checked) where seen > 1"
        )
        expected = "a value not already used earlier in the file" + (
            "s" if len(sources) > 1 else ""
        )
        query_parameters.extend([", ".join(key), expected])
    if not queries:
        connection.execute("create or replace temp table rejects (__file integer, __row bigint)")
        return [], 0
    connection.execute(
        f"create or replace temp table rejects as {' union all '.join(queries)}",
        query_parameters,
    )
    found = connection.execute("select count(distinct (__file, __row)) from rejects").fetchone()
    examples = connection.execute(
        "select __file, __row, field, value, expected from rejects "
        "order by __file, __row, field limit ?",
        [REJECT_EXAMPLES],
    ).fetchall()
    lines = {
        number: line_numbers(source, {row for file, row, *_ in examples if file == number})
        for number, source in enumerate(sources)
    }
    several = len(sources) > 1
    rejects = [
        RejectedValue(
            lines[file][row], field, value, expected, sources[file].label if several else ""
        )
        for file, row, field, value, expected in examples
    ]
    return rejects, int(found[0]) if found else 0


def line_numbers(source: Source, records: set[int]) -> dict[int, int]:
    """Map data records (1 = first after the header) to the file line each starts on.

    Quoted fields may hold line breaks (Kansas City's ADDRESS WITH GEOCODE does), so a
    record's line is found by reading the file as CSV, up to the last record asked for.
    """
    fallback = {record: record + 1 for record in records}
    if source.kind != "csv" or not records:
        return fallback
    try:
        with duckdb.connect() as connection:
            found = connection.execute(
                "select Delimiter, Quote from sniff_csv(?)", [str(source.path)]
            ).fetchone()
        delimiter, quote = (found[0], found[1]) if found else (",", '"')
        delimiter = delimiter if len(delimiter or "") == 1 else ","
        quote = quote if len(quote or "") == 1 else '"'
        wanted = set(records)
        lines: dict[int, int] = {}
        encoding = "utf-8-sig" if source.encoding == "utf-8" else source.encoding
        with source.path.open(encoding=encoding, newline="", errors="replace") as handle:
            reader = csv.reader(handle, delimiter=delimiter, quotechar=quote)
            next(reader, None)
            previous_end = reader.line_num
            for record, _ in enumerate(reader, start=1):
                if record in wanted:
                    lines[record] = previous_end + 1
                    if len(lines) == len(wanted):
                        break
                previous_end = reader.line_num
    except (OSError, csv.Error, duckdb.Error):
        return fallback
    return {record: lines.get(record, fallback[record]) for record in records}
