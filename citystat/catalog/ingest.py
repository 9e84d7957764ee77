"""The one path by which data enters the warehouse: read, type, check, publish atomically.

A load reads the source as text, types every field with the dataset's Table Schema,
collects the rows that do not fit (which row, which field, what value, what was
expected) and publishes only if the rejects stay within the allowed number. A failed
load leaves the published table exactly as it was.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import duckdb
from django.db import transaction
from django.utils import timezone

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.schema import (
    SchemaError,
    constraint_checks,
    primary_key,
    typed_column,
    validate_schema,
)
from citystat.catalog.warehouse import quote_identifier
from citystat.lib.errors import CitystatError

MODES = ("replace", "append", "upsert")
REJECT_EXAMPLES = 50
ProgressCallback = Callable[[float], None]


class IngestError(CitystatError):
    """A load that cannot start or that was refused; the published data is unchanged."""


@dataclass
class RejectedValue:
    row: int
    field: str
    value: str | None
    expected: str


def ingest(
    dataset: Dataset,
    source: str | Path,
    *,
    mode: str = "replace",
    column_map: dict[str, str] | None = None,
    max_rejects: int = 0,
    progress: ProgressCallback | None = None,
) -> DatasetVersion:
    """Load `source` into `dataset`, publish it if it passes, and record the version.

    Raises IngestError, after recording a failed version, when more than `max_rejects`
    rows do not fit the schema.
    """
    if mode not in MODES:
        raise IngestError(f"mode {mode!r} is not one of {', '.join(MODES)}.")
    try:
        fields = validate_schema(dataset.table_schema)
    except SchemaError as error:
        raise IngestError(f"dataset {dataset.slug!r}: {error}") from None
    mapping = {**dataset.column_map, **(column_map or {})}
    started_at = timezone.now()
    with local_copy(str(source)) as path, warehouse.connect(read_only=False) as connection:
        loader = Load(connection, dataset, path, str(source), mapping)
        loader.read(progress)
        loader.type_fields(fields)
        rejects, rejected_rows = loader.find_rejects(fields)
        version = DatasetVersion(
            dataset=dataset,
            number=next_version_number(dataset),
            mode=mode,
            source=str(source),
            rows_read=loader.rows_read,
            rows_rejected=rejected_rows,
            bytes_read=path.stat().st_size,
            started_at=started_at,
            report={
                "rejects": [reject.__dict__ for reject in rejects],
                "warnings": loader.warnings,
            },
        )
        if rejected_rows > max_rejects:
            version.status = DatasetVersion.Status.FAILED
            version.row_count = warehouse_row_count(connection, dataset.slug)
            version.finished_at = timezone.now()
            version.report["message"] = rejection_message(str(source), rejects, rejected_rows)
            version.save()
            raise IngestError(version.report["message"])
        version.row_count = loader.publish(fields, mode)
    version.status = DatasetVersion.Status.PUBLISHED
    version.finished_at = timezone.now()
    with transaction.atomic():
        version.save()
        Dataset.objects.filter(pk=dataset.pk).update(source=str(source), updated_at=timezone.now())
    return version


class Load:
    """One load's work inside a warehouse connection, in temporary tables until publish."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        dataset: Dataset,
        path: Path,
        source_label: str,
        mapping: dict[str, str],
    ) -> None:
        self.connection = connection
        self.dataset = dataset
        self.path = path
        self.source_label = source_label
        self.mapping = mapping
        self.rows_read = 0
        self.warnings: list[str] = []
        self.columns: list[str] = []

    def read(self, progress: ProgressCallback | None) -> None:
        reader = reader_for(self.path, self.source_label)
        statement = (
            "create temp table raw_rows as "
            f"select row_number() over () as __row, columns(*)::varchar from {reader}"
        )
        try:
            with progress_reporter(self.connection, progress):
                self.connection.execute(statement, [str(self.path)])
        except duckdb.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise IngestError(f"{self.source_label}: cannot be read ({reason}).") from None
        self.columns = [row[0] for row in self.connection.execute("describe raw_rows").fetchall()][
            1:
        ]
        count = self.connection.execute("select count(*) from raw_rows").fetchone()
        self.rows_read = int(count[0]) if count else 0

    def type_fields(self, fields: list[dict]) -> None:
        selects = ["__row"]
        parameters: list[Any] = []
        for spec in fields:
            source_column = self.mapping.get(spec["name"], spec["name"])
            if source_column not in self.columns:
                constraints = spec.get("constraints") or {}
                if constraints.get("required") or spec["name"] in primary_key(
                    self.dataset.table_schema
                ):
                    raise IngestError(
                        f"{self.source_label}: no column {source_column!r} for required field "
                        f"{spec['name']!r} (the file has {', '.join(self.columns[:12])}"
                        f"{'…' if len(self.columns) > 12 else ''}); "
                        f"pass --map {spec['name']}=COLUMN."
                    )
                self.warnings.append(
                    f"no column {source_column!r} for field {spec['name']!r}; left empty"
                )
                selects.append(f"null::{typed_column(spec, 'x').sql_type} as {quote(spec)}")
                selects.append(f"null::varchar as {quote_raw(spec)}")
                continue
            column = typed_column(spec, source_column)
            selects.append(f"{column.expression} as {quote(spec)}")
            parameters.extend(column.parameters)
            selects.append(f"{quote_identifier(source_column)} as {quote_raw(spec)}")
        self.connection.execute(
            f"create temp table typed_rows as select {', '.join(selects)} from raw_rows",
            parameters,
        )

    def find_rejects(self, fields: list[dict]) -> tuple[list[RejectedValue], int]:
        queries: list[str] = []
        parameters: list[Any] = []
        for spec in fields:
            column = typed_column(spec, "x")
            typed, raw = quote(spec), quote_raw(spec)
            conditions: list[tuple[str, list[Any], str]] = [
                (
                    f"{raw} is not null and trim({raw}) <> '' and {typed} is null",
                    [],
                    column.expected,
                )
            ]
            conditions += constraint_checks(spec, typed)
            for condition, condition_parameters, expected in conditions:
                queries.append(
                    f"select __row, ? as field, {raw} as value, ? as expected "
                    f"from typed_rows where {condition}"
                )
                parameters.extend([spec["name"], expected, *condition_parameters])
        key = primary_key(self.dataset.table_schema)
        if key:
            partition = ", ".join(quote_identifier(name) for name in key)
            queries.append(
                "select __row, ? as field, null as value, ? as expected from ("
                f"select __row, row_number() over (partition by {partition} order by __row) "
                "as occurrence from typed_rows) where occurrence > 1"
            )
            parameters.extend([", ".join(key), "a primary key not already used in this file"])
        self.connection.execute(
            f"create temp table rejects as {' union all '.join(queries)}", parameters
        )
        count = self.connection.execute("select count(distinct __row) from rejects").fetchone()
        examples = self.connection.execute(
            "select __row, field, value, expected from rejects order by __row, field limit ?",
            [REJECT_EXAMPLES],
        ).fetchall()
        # Row numbers count the header as line 1, as a person reading the file would.
        rejects = [
            RejectedValue(row + 1, field, value, expected)
            for row, field, value, expected in examples
        ]
        return rejects, int(count[0]) if count else 0

    def publish(self, fields: list[dict], mode: str) -> int:
        table = warehouse.table_name(self.dataset.slug)
        columns = ", ".join(quote(spec) for spec in fields)
        accepted = (
            f"select {columns} from typed_rows "
            "where __row not in (select __row from rejects) order by __row"
        )
        exists = table_exists(self.connection, self.dataset.slug)
        self.connection.execute("begin transaction")
        try:
            if mode == "replace" or not exists:
                self.connection.execute(f"create or replace table {table} as {accepted}")
            elif mode == "append":
                self.connection.execute(f"insert into {table} ({columns}) {accepted}")
            else:
                self.upsert(table, columns, accepted)
            self.connection.execute("commit")
        except duckdb.Error as error:
            self.connection.execute("rollback")
            reason = str(error).strip().splitlines()[0]
            raise IngestError(
                f"{self.source_label}: could not be published to {self.dataset.slug!r} "
                f"({reason}); the published data is unchanged."
            ) from None
        return warehouse_row_count(self.connection, self.dataset.slug)

    def upsert(self, table: str, columns: str, accepted: str) -> None:
        key = primary_key(self.dataset.table_schema)
        if not key:
            raise duckdb.InvalidInputException("upsert needs a primaryKey in the schema")
        key_columns = ", ".join(quote_identifier(name) for name in key)
        self.connection.execute(
            f"delete from {table} where ({key_columns}) in "
            f"(select ({key_columns}) from ({accepted}))"
        )
        self.connection.execute(f"insert into {table} ({columns}) {accepted}")


def quote(spec: dict) -> str:
    return quote_identifier(spec["name"])


def quote_raw(spec: dict) -> str:
    return quote_identifier("__raw__" + spec["name"])


def reader_for(path: Path, source_label: str) -> str:
    """Return the DuckDB table function (with one path parameter) that reads `path`."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "read_csv(?, all_varchar = true, header = true, auto_detect = true)"
    if suffix == ".parquet":
        return "read_parquet(?)"
    if suffix in (".json", ".ndjson", ".jsonl"):
        return "read_json_auto(?)"
    raise IngestError(
        f"{source_label}: cannot tell the format from {suffix or 'a missing extension'!r}; "
        "expected .csv, .tsv, .parquet, .json or .ndjson."
    )


def table_exists(connection: duckdb.DuckDBPyConnection, slug: str) -> bool:
    name = warehouse.table_name(slug).strip('"')
    found = connection.execute(
        "select count(*) from information_schema.tables where table_name = ? "
        "and table_schema = 'main'",
        [name],
    ).fetchone()
    return bool(found and found[0])


def warehouse_row_count(connection: duckdb.DuckDBPyConnection, slug: str) -> int:
    if not table_exists(connection, slug):
        return 0
    found = connection.execute(f"select count(*) from {warehouse.table_name(slug)}").fetchone()
    return int(found[0]) if found else 0


def next_version_number(dataset: Dataset) -> int:
    latest = dataset.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def rejection_message(source: str, rejects: list[RejectedValue], rejected_rows: int) -> str:
    first = rejects[0] if rejects else None
    detail = (
        f"; first: line {first.row}, field {first.field!r}, value {first.value!r}, "
        f"expected {first.expected}"
        if first
        else ""
    )
    return (
        f"{source}: {rejected_rows} row(s) do not fit the schema{detail}. "
        "Nothing was published; fix the file or raise --max-rejects."
    )


@contextmanager
def local_copy(source: str) -> Iterator[Path]:
    """Yield a local path for `source`, downloading http(s) URLs to a temporary file."""
    if source.startswith(("http://", "https://")):
        with TemporaryDirectory(prefix="citystat-ingest-") as folder:
            name = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "download.csv"
            target = Path(folder) / name
            try:
                with (
                    urllib.request.urlopen(source, timeout=60) as response,
                    target.open("wb") as out,
                ):
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
            except OSError as error:
                raise IngestError(f"{source}: could not be downloaded ({error}).") from None
            yield target
        return
    path = Path(source).expanduser()
    if not path.is_file():
        raise IngestError(f"{source}: no such file.")
    yield path


@contextmanager
def progress_reporter(
    connection: duckdb.DuckDBPyConnection, progress: ProgressCallback | None
) -> Iterator[None]:
    """Report DuckDB's own progress on the running query from a side thread."""
    if progress is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            fraction = connection.query_progress()
            if fraction >= 0:
                progress(min(fraction / 100.0, 1.0))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        progress(1.0)
