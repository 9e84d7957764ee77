"""Run a compiled SoQL query on the warehouse and shape the answer as Socrata does."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from citystat.api.soql import CompiledQuery, SoqlError, columns_from_schema, compile_query
from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.catalog.schema import primary_key
from citystat.lib.csv_safety import safe_cell

QUERY_SECONDS = 10.0
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
SODA_TYPES = {
    "string": "text",
    "integer": "number",
    "number": "number",
    "year": "number",
    "boolean": "checkbox",
    "date": "floating_timestamp",
    "datetime": "floating_timestamp",
    "time": "text",
}


@dataclass
class SodaResult:
    names: list[str]
    types: list[str]
    rows: list[tuple]


def four_by_four(slug: str) -> str:
    """Return the dataset's stable Socrata-style id ('abcd-1234'), derived from its slug.

    The slug never changes once a dataset exists, so neither does the id; no two slugs
    of a city's catalog plausibly share one (32⁸ ids).
    """
    digest = hashlib.sha256(slug.encode()).digest()
    letters = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:8])
    return f"{letters[:4]}-{letters[4:]}"


def find_public_dataset(identifier: str) -> Dataset | None:
    """Return the public dataset whose slug or four-by-four id is `identifier`."""
    public = Dataset.objects.filter(is_public=True)
    by_slug = public.filter(slug=identifier).first()
    if by_slug is not None:
        return by_slug
    return next((d for d in public if four_by_four(d.slug) == identifier), None)


def run_query(dataset: Dataset, parameters: dict[str, str]) -> SodaResult:
    """Compile and run the query, with a time limit; raise SoqlError for any refusal."""
    columns = columns_from_schema(dataset.fields)
    key = [name for name in primary_key(dataset.table_schema) if name in columns]
    with engines.open_session() as session:
        relation = session.sql_table(dataset.slug)
        compiled = compile_query(parameters, columns, relation, key, session.engine.dialect)
        return execute(compiled, columns, session)


def execute(compiled: CompiledQuery, columns: dict, session: engines.Session) -> SodaResult:
    try:
        result = session.query(compiled.sql, timeout=QUERY_SECONDS)
    except engines.QueryTimeout:
        raise SoqlError(
            f"the query ran longer than {QUERY_SECONDS:.0f} seconds; narrow it with $where.",
            "query.execution.timeout",
        ) from None
    except engines.QueryFailed as error:
        # The compiled SQL is ours and safe to describe by kind, never by its text.
        raise SoqlError(
            f"the query cannot run on these columns ({error}); check the types compared.",
            "query.compiler.type-mismatch",
        ) from None
    types = [
        soda_type(name, engine_type, columns)
        for name, engine_type in zip(result.names, result.types, strict=True)
    ]
    return SodaResult(result.names, types, result.rows)


def soda_type(name: str, engine_type: Any, columns: dict) -> str:
    if name in columns:
        return SODA_TYPES.get(columns[name].field_type, "text")
    text = str(engine_type).upper()
    if any(word in text for word in ("INT", "DOUBLE", "DECIMAL", "FLOAT", "NUMBER", "NUMERIC")):
        return "number"
    if "DATE" in text or "TIMESTAMP" in text:
        return "floating_timestamp"
    if "BOOL" in text:
        return "checkbox"
    return "text"


def soda_value(value: Any) -> Any:
    """Return a value as Socrata writes it: numbers and times as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value)


def _text(value: Any) -> str:
    return value if type(value) is str else soda_value(value)


def _whole_number(value: Any) -> Any:
    return str(value) if type(value) is int else soda_value(value)


def _timestamp(value: Any) -> Any:
    # isoformat is several times faster than strftime, and the same for a naive time.
    if type(value) is dt.datetime and value.tzinfo is None and value.year >= 1000:
        return value.isoformat(timespec="milliseconds")
    return soda_value(value)


def column_writer(values: Any) -> Any:
    """Return the function that writes one column's values, chosen from its first value.

    Choosing once per column instead of testing each cell's type keeps a large answer
    cheap; a value of another type than the first still goes through `soda_value`.
    """
    sample = next((value for value in values if value is not None), None)
    if type(sample) is str:
        return _text
    if type(sample) is int:
        return _whole_number
    if type(sample) is dt.datetime:
        return _timestamp
    return soda_value


def json_rows(result: SodaResult) -> list[dict[str, Any]]:
    """Return rows as objects keyed by field name, leaving out null fields like Socrata."""
    writers = [
        column_writer(row[index] for row in result.rows) for index in range(len(result.names))
    ]
    columns = list(zip(result.names, writers, strict=True))
    return [
        {
            name: write(value)
            for (name, write), value in zip(columns, row, strict=True)
            if value is not None
        }
        for row in result.rows
    ]


def geojson_collection(result: SodaResult) -> dict[str, Any]:
    """Return rows as a GeoJSON FeatureCollection, as Socrata's .geojson does.

    A row's point comes from its `latitude` and `longitude` (when the query selected
    them); the other fields are the feature's properties. A row without a point keeps its
    properties with a null geometry, so paging through features never loses rows.
    """
    names = result.names
    point = (
        (names.index("latitude"), names.index("longitude"))
        if {"latitude", "longitude"} <= set(names)
        else None
    )
    features = []
    for row in result.rows:
        geometry = None
        if point is not None:
            latitude, longitude = row[point[0]], row[point[1]]
            if latitude is not None and longitude is not None:
                geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
        properties = {
            name: None if value is None else soda_value(value)
            for name, value in zip(names, row, strict=True)
            if point is None or name not in ("latitude", "longitude")
        }
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def csv_text(result: SodaResult, escape_formulas: bool = True) -> str:
    """Return the rows as CSV; text cells a spreadsheet would run are escaped unless told."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # A $select alias is the caller's text too.
    writer.writerow([csv_value(name, escape_formulas) for name in result.names])
    for row in result.rows:
        writer.writerow([csv_value(value, escape_formulas) for value in row])
    return buffer.getvalue()


def csv_value(value: Any, escape_formulas: bool) -> Any:
    # Only stored text is escaped: a number (-3.5) or a time is written as Socrata does.
    if isinstance(value, str):
        return safe_cell(value) if escape_formulas else value
    return "" if value is None else soda_value(value)


def view_metadata(dataset: Dataset) -> dict[str, Any]:
    """Return the dataset's metadata in the shape of Socrata's /api/views/{id}.json."""
    columns = columns_from_schema(dataset.fields)
    version = dataset.latest_version
    return {
        "id": four_by_four(dataset.slug),
        "name": dataset.title,
        "description": dataset.description,
        "attribution": dataset.department.name if dataset.department else "",
        "category": (dataset.tags or [""])[0],
        "tags": dataset.tags,
        "license": {"name": dataset.license},
        "rowsUpdatedAt": int(version.finished_at.timestamp())
        if version and version.finished_at
        else None,
        "columns": [
            {
                "id": index + 1,
                "fieldName": spec["name"],
                "name": spec.get("title") or spec["name"],
                "dataTypeName": SODA_TYPES.get(spec.get("type", "string"), "text"),
                "description": spec.get("description", ""),
                "position": index + 1,
            }
            for index, spec in enumerate(dataset.fields)
            if spec["name"] in columns
        ],
    }
