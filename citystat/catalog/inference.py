"""Draft a Table Schema from a sample file, for staff to review and edit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from citystat.catalog.sources import Source, SourceError, open_source

DUCKDB_TO_FIELD = {
    "BIGINT": "integer",
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "TINYINT": "integer",
    "HUGEINT": "integer",
    "UBIGINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIME": "time",
}
# Columns that usually identify a person or a property: withheld until staff decide.
PRIVATE_NAMES = re.compile(r"address|name|email|phone|parcel|owner|birth|ssn", re.IGNORECASE)


def field_name(column: str) -> str:
    """Turn a source column such as 'CREATION DATE' into a field name such as 'creation_date'."""
    name = re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")
    return name if name and not name[0].isdigit() else f"c_{name}"


def infer_schema(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a draft Table Schema and column map for the sample file at `path`."""
    with open_source(str(path)) as source, duckdb.connect() as connection:
        try:
            described = connection.execute(
                f"describe select * from {typed_reader(source)}", [str(source.path)]
            ).fetchall()
        except duckdb.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise SourceError(f"{path}: cannot be read to draft a schema ({reason}).") from None
    fields, column_map = [], {}
    for column, duckdb_type, *_ in described:
        name = field_name(column)
        field_type = DUCKDB_TO_FIELD.get(str(duckdb_type).split("(")[0], "string")
        if str(duckdb_type).startswith("DECIMAL"):
            field_type = "number"
        spec: dict[str, Any] = {"name": name, "type": field_type, "title": column.strip()}
        if field_type in ("date", "datetime", "time"):
            # Accept every common US and ISO spelling, not only the one the sample used.
            spec["format"] = "any"
        if PRIVATE_NAMES.search(column):
            spec["public"] = False
        fields.append(spec)
        if name != column:
            column_map[name] = column
    return {"fields": fields}, column_map


def typed_reader(source: Source) -> str:
    if source.kind == "csv":
        return "read_csv(?, header = true, sample_size = -1)"
    if source.kind == "parquet":
        return "read_parquet(?)"
    return "read_json(?, format = 'auto', sample_size = -1)"
