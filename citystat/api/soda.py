"""Run a compiled SoQL query on the warehouse and shape the answer as Socrata does."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import hashlib
import io
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from citystat.api.soql import (
    DEFAULT_LIMIT,
    Column,
    CompiledQuery,
    SoqlError,
    SystemFields,
    columns_from_schema,
    compile_clauses,
    compile_query,
    parse_parameters,
)
from citystat.catalog import engines
from citystat.catalog.engines.base import relation_node
from citystat.catalog.models import Dataset
from citystat.catalog.schema import primary_key
from citystat.lib.csv_safety import safe_cell

# One answer's whole time: running the query and writing every byte of it (issue #16).
QUERY_SECONDS = 10.0
# Rows written per chunk of a streamed answer; the time budget is checked between chunks.
BATCH_ROWS = 2_000
# Compiled queries kept per process (compiled_query); each is a few kilobytes.
COMPILED_QUERIES_KEPT = 512
logger = logging.getLogger(__name__)
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
# X-SODA2-Types names SoQL's types, as a SODA 2.1 endpoint does (X-SODA2-Legacy-Types:
# false); a checkbox column is `boolean` there, though /api/views calls it `checkbox`.
SOQL_TYPES = {"checkbox": "boolean"}


class QueryBudget:
    """The time one SODA answer may take, from the start of its query to its last byte.

    Writing 50,000 rows as JSON can take longer than the query itself, so the writing is
    counted too: a worker is never held past `seconds` by one answer.
    """

    def __init__(self, seconds: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.seconds = QUERY_SECONDS if seconds is None else seconds
        self.clock = clock
        self.deadline = clock() + self.seconds

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def spent(self) -> bool:
        return self.remaining() <= 0


class AnswerCutShort(Exception):
    """The time budget ran out while an answer was being sent; the stream is aborted."""


def timeout_error(budget: QueryBudget) -> SoqlError:
    return SoqlError(
        f"the query ran longer than {budget.seconds:g} seconds; narrow it with $where "
        "or ask for fewer rows with $limit.",
        "query.execution.timeout",
    )


@dataclass
class SodaResult:
    names: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


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


@dataclass(frozen=True)
class Page:
    """A SODA3 page: `size` rows after the first (number - 1) · size."""

    number: int
    size: int


def run_query(
    dataset: Dataset,
    parameters: dict[str, str],
    budget: QueryBudget | None = None,
    page: Page | None = None,
) -> SodaResult:
    """Compile and run the query within `budget`; raise SoqlError for any refusal.

    A SODA3 `page` sets the query's LIMIT and OFFSET; a query that writes its own is
    refused with it rather than one silently overriding the other.
    """
    budget = budget or QueryBudget()
    columns = columns_from_schema(dataset.fields)
    whole_key = primary_key(dataset.table_schema)
    key = [name for name in whole_key if name in columns]
    withheld = [spec["name"] for spec in dataset.fields if spec["name"] not in columns]
    system = system_fields(dataset, key if key == whole_key else [], parameters)
    with engines.open_session() as session:
        compiled = compiled_query(
            tuple(parameters.items()),
            page,
            tuple((name, column.field_type) for name, column in columns.items()),
            session.relation(dataset.slug),
            tuple(key),
            session.engine.dialect,
            tuple(withheld),
            system,
        )
        return execute(compiled, columns, session, budget)


@functools.lru_cache(maxsize=COMPILED_QUERIES_KEPT)
def compiled_query(
    parameters: tuple[tuple[str, str], ...],
    page: Page | None,
    columns: tuple[tuple[str, str], ...],
    relation: str,
    key: tuple[str, ...],
    dialect: str,
    withheld: tuple[str, ...],
    system: SystemFields,
) -> CompiledQuery:
    """Compile a query, kept per everything its SQL depends on.

    Parsing, type checking and rebuilding the tree cost about as much as DuckDB takes to
    answer a grouped query over a million rows; apps and dashboards ask the same few
    queries again and again. The key holds every input of the compiler (the columns and
    their types, the relation, the dialect, the system fields' values), so a new schema or
    version compiles afresh. Refusals raise and are not kept.
    """
    public = {name: Column(name, field_type) for name, field_type in columns}
    table = relation_node(relation)
    if page is None:
        return compile_query(dict(parameters), public, table, list(key), dialect, withheld, system)
    clauses = parse_parameters(dict(parameters))
    if clauses.limit != DEFAULT_LIMIT or clauses.offset:
        raise SoqlError(
            "page: the query has its own LIMIT or OFFSET; give either those or a page, not both.",
            "query.soql.invalid-parameter",
        )
    clauses.limit = page.size
    clauses.offset = (page.number - 1) * page.size
    return compile_clauses(clauses, public, table, list(key), dialect, withheld, system)


def soql_type(soda_type: str) -> str:
    """Return the type X-SODA2-Types names for a column of `soda_type`."""
    return SOQL_TYPES.get(soda_type, soda_type)


def system_fields(dataset: Dataset, key: list[str], parameters: dict[str, str]) -> SystemFields:
    """Return what `:id`, `:created_at` and `:updated_at` mean for this dataset.

    Only a query that has a colon somewhere can name a system field, so the others cost no
    look-up of the dataset's versions.
    """
    if not any(":" in value for value in parameters.values()):
        return SystemFields(tuple(key))
    published = dataset.versions.exclude(published_at=None).order_by("number")
    first, latest = published.first(), dataset.latest_version
    return SystemFields(
        tuple(key),
        created_at=first.published_at if first else None,
        updated_at=latest.published_at if latest else None,
    )


def execute(
    compiled: CompiledQuery,
    columns: dict[str, Any],
    session: engines.Session,
    budget: QueryBudget | None = None,
) -> SodaResult:
    budget = budget or QueryBudget()
    if budget.spent():
        raise timeout_error(budget)
    try:
        result = session.query(compiled.sql, timeout=budget.remaining())
    except engines.QueryTimeout:
        raise timeout_error(budget) from None
    except engines.QueryFailed as error:
        # Neither the engine's message nor its kind of error (BinderException, …) is
        # the client's business: they describe our SQL, not the query that was asked.
        logger.info("SODA query refused by the engine: %s", error)
        raise SoqlError(
            "the query cannot run on these columns: a value is compared with, or given to "
            "a function as, a value of another type (text, number, date or checkbox).",
            "query.soql.type-mismatch",
        ) from None
    types = [
        "point" if name in compiled.points else soda_type(name, engine_type, columns)
        for name, engine_type in zip(result.names, result.types, strict=True)
    ]
    return SodaResult(result.names, types, result.rows)


def soda_type(name: str, engine_type: Any, columns: dict[str, Any]) -> str:
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


def geojson_point(value: Any) -> dict[str, Any]:
    """Write a point ([longitude, latitude]) as Socrata 2.1 does: a GeoJSON Point."""
    longitude, latitude = value
    return {"type": "Point", "coordinates": [float(longitude), float(latitude)]}


def wkt_point(value: Any) -> str:
    """Write a point as Socrata's CSV does: `POINT (longitude latitude)`."""
    longitude, latitude = value
    return f"POINT ({float(longitude)!r} {float(latitude)!r})"


def column_writers(result: SodaResult) -> list[Any]:
    """Return each column's writer: points as GeoJSON, the others by their first value."""
    return [
        geojson_point if kind == "point" else column_writer(row[index] for row in result.rows)
        for index, kind in enumerate(result.types)
    ]


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
    return json_batch_writer(result)(result.rows)


def json_batch_writer(
    result: SodaResult,
) -> Callable[[list[tuple[Any, ...]]], list[dict[str, Any]]]:
    """Return the function that turns a batch of `result`'s rows into their JSON objects.

    A batch is written column by column: each column's writer is chosen once, and the
    objects are built from the written columns.
    """
    names = result.names
    writers = column_writers(result)

    def write(batch: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        if not names or not batch:
            return [{} for _ in batch]
        columns = [
            written_column(writer, values)
            for writer, values in zip(writers, zip(*batch, strict=True), strict=True)
        ]
        return [
            {name: value for name, value in zip(names, row, strict=True) if value is not None}
            for row in zip(*columns, strict=True)
        ]

    return write


def written_column(write: Callable[[Any], Any], values: tuple[Any, ...]) -> list[Any]:
    """Write one column's values with `write`, nulls staying None.

    Text and whole numbers are written inline rather than by a call per value; moments
    are written once per distinct value, since a grouped answer repeats its months or
    days down the column and a look-up costs a fraction of formatting one.
    """
    if write is _text:
        return [v if type(v) is str or v is None else soda_value(v) for v in values]
    if write is _whole_number:
        return [str(v) if type(v) is int else None if v is None else soda_value(v) for v in values]
    if write is _timestamp:
        return written_moments(values)
    return [None if v is None else write(v) for v in values]


def written_moments(values: tuple[Any, ...]) -> list[Any]:
    """Write a column of moments, each naive datetime once however often it repeats.

    Only naive datetimes share a written form: two aware ones may be equal (the same
    instant) yet written apart, in their own offsets, and True equals 1.
    """
    written: dict[dt.datetime, str] = {}
    column = []
    for value in values:
        if type(value) is dt.datetime and value.tzinfo is None:
            text = written.get(value)
            if text is None:
                text = written[value] = _timestamp(value)
            column.append(text)
        else:
            column.append(None if value is None else soda_value(value))
    return column


def batches(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), BATCH_ROWS):
        yield rows[start : start + BATCH_ROWS]


def json_array(items: Iterator[list[Any]], head: str = "[", tail: str = "]") -> Iterator[bytes]:
    """Write a JSON array one batch of items at a time, as json.dumps would write it whole."""
    separator = head
    for batch in items:
        if batch:
            yield (separator + json.dumps(batch)[1:-1]).encode()
            separator = ", "
    yield ((head if separator == head else "") + tail).encode()


def json_chunks(result: SodaResult) -> Iterator[bytes]:
    """Write the answer as Socrata's JSON array of row objects, in chunks."""
    write = json_batch_writer(result)
    return json_array(write(batch) for batch in batches(result.rows))


def rows_json_chunks(result: SodaResult, view: dict[str, Any]) -> Iterator[bytes]:
    """Write Socrata's legacy rows.json: `meta.view` with its columns, then `data` arrays.

    `meta.view.columns` lists the answer's own columns in the order of each data array,
    so a reader that pairs them by position never shifts a value into the wrong column.
    """
    described = {column["fieldName"]: column for column in view.get("columns", [])}
    columns = []
    for position, (name, kind) in enumerate(zip(result.names, result.types, strict=True), 1):
        column = dict(described.get(name) or {"fieldName": name, "name": name})
        column.setdefault("dataTypeName", kind)
        column["position"] = position
        columns.append(column)
    head = json.dumps({"view": {**view, "columns": columns}})
    writers = column_writers(result)

    def write(row: tuple[Any, ...]) -> list[Any]:
        return [
            None if value is None else writer(value)
            for writer, value in zip(writers, row, strict=True)
        ]

    return json_array(
        ([write(row) for row in batch] for batch in batches(result.rows)),
        head='{"meta": ' + head + ', "data": [',
        tail="]}",
    )


def geojson_feature(
    names: list[str], point: tuple[int, int] | int | None, row: tuple[Any, ...], types: list[str]
) -> dict[str, Any]:
    """One row as a Feature; `point` is the position of a point column, or those of the
    latitude and longitude, or None."""
    geometry = None
    if isinstance(point, int):
        geometry = None if row[point] is None else geojson_point(row[point])
        shown = [index != point for index in range(len(names))]
    elif point is not None:
        latitude, longitude = row[point[0]], row[point[1]]
        if latitude is not None and longitude is not None:
            geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
        shown = [index not in point for index in range(len(names))]
    else:
        shown = [True] * len(names)
    properties = {
        name: None
        if value is None
        else geojson_point(value)
        if kind == "point"
        else soda_value(value)
        for name, value, kind, show in zip(names, row, types, shown, strict=True)
        if show
    }
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson_chunks(result: SodaResult) -> Iterator[bytes]:
    """Write rows as a GeoJSON FeatureCollection, as Socrata's .geojson does, in chunks.

    A row's point is the first point column the query selected (`location`), else its
    `latitude` and `longitude` (when the query selected them); the other fields are the
    feature's properties. A row without a point keeps its
    properties with a null geometry, so paging through features never loses rows.
    """
    names, types = result.names, result.types
    point: tuple[int, int] | int | None = None
    if "point" in types:
        point = types.index("point")
    elif {"latitude", "longitude"} <= set(names):
        point = (names.index("latitude"), names.index("longitude"))
    features = (
        [geojson_feature(names, point, row, types) for row in batch]
        for batch in batches(result.rows)
    )
    return json_array(features, head='{"type": "FeatureCollection", "features": [', tail="]}")


def csv_chunks(result: SodaResult, escape_formulas: bool = True) -> Iterator[bytes]:
    """Write the header, then the rows in chunks, as Socrata's CSV does.

    Text cells a spreadsheet would run as a formula are escaped unless told not to.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # A $select alias is the caller's text too.
    writer.writerow([csv_value(name, escape_formulas) for name in result.names])
    points = [kind == "point" for kind in result.types]
    for batch in batches(result.rows):
        writer.writerows(
            [
                wkt_point(value)
                if point and value is not None
                else csv_value(value, escape_formulas)
                for value, point in zip(row, points, strict=True)
            ]
            for row in batch
        )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def within_budget(chunks: Iterator[bytes], budget: QueryBudget, what: str) -> Iterator[bytes]:
    """Yield `chunks` while the budget lasts; past it, log and raise AnswerCutShort.

    Raising mid-stream makes the server drop the connection without ending the chunked
    body, so a client sees a cut-off, invalid document and never a short answer that
    looks whole.
    """
    sent = 0
    for chunk in chunks:
        if budget.spent():
            logger.warning(
                "SODA answer %s cut short: the %g-second budget ran out after %d bytes",
                what,
                budget.seconds,
                sent,
            )
            raise AnswerCutShort(f"{what}: the {budget.seconds:g}-second budget ran out")
        sent += len(chunk)
        yield chunk


# How each extension of /resource/{id}.{ext} is written, and its content type.
ANSWERS: dict[str, tuple[Callable[[SodaResult], Iterator[bytes]], str]] = {
    "json": (json_chunks, "application/json"),
    "csv": (csv_chunks, "text/csv; charset=utf-8"),
    "geojson": (geojson_chunks, "application/vnd.geo+json"),
}


def answer_stream(
    result: SodaResult,
    extension: str,
    budget: QueryBudget,
    what: str,
    escape_formulas: bool = True,
) -> Iterator[bytes]:
    """Return the answer's chunks, its first already written; raise SoqlError if too late.

    The first chunk is written before any byte is sent, so an answer whose budget runs
    out by then is still refused with Socrata's timeout error instead of a cut stream.
    """
    if extension == "csv":
        chunks = csv_chunks(result, escape_formulas)
    else:
        chunks = ANSWERS[extension][0](result)
    first = next(chunks)
    if budget.spent():
        raise timeout_error(budget)
    return itertools.chain([first], within_budget(chunks, budget, what))


def csv_value(value: Any, escape_formulas: bool) -> Any:
    # Only stored text is escaped: a number (-3.5) or a time is written as Socrata does.
    if isinstance(value, str):
        return safe_cell(value) if escape_formulas else value
    return "" if value is None else soda_value(value)


def view_metadata(dataset: Dataset) -> dict[str, Any]:
    """Return the dataset's metadata in the shape of Socrata's /api/views/{id}.json.

    `metadata.attachments` is what sodapy's download_attachments reads: the catalogue
    keeps no attached files, so the list is empty and the client downloads nothing.
    """
    columns = columns_from_schema(dataset.fields)
    version = dataset.latest_version
    return {
        "id": four_by_four(dataset.slug),
        "name": dataset.title,
        "assetType": "dataset",
        "viewType": "tabular",
        "displayType": "table",
        "createdAt": int(dataset.created_at.timestamp()),
        "viewLastModified": int(dataset.updated_at.timestamp()),
        "publicationDate": int(version.published_at.timestamp())
        if version and version.published_at
        else None,
        "metadata": {"attachments": []},
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
