"""One load's work inside a private DuckDB: header check, the one-pass typed copy, rejects,
keys, and the merge for append and upsert, ending in a Parquet file ready to publish."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from citystat.catalog import versions, warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.rejects import (
    PlannedField,
    RejectedValue,
    find_rejects,
    line_numbers,
    representative_fields,
    typed_select,
)
from citystat.catalog.schema import (
    DATETIME_FORMATS,
    date_formats,
    header_key,
    primary_key,
    typed_column,
    unique_keys,
)
from citystat.catalog.sources import Source, few_names
from citystat.catalog.warehouse import quote_identifier
from citystat.lib.disk import disk_problem
from citystat.lib.errors import CitystatError
from citystat.lib.sizes import human_size

ProgressCallback = Callable[[float], None]
REJECT_MARKER = "citystat-reject"
FORMAT_SAMPLE_ROWS = 5_000


class IngestError(CitystatError):
    """A load that cannot start or that was refused; the published data is unchanged."""

    def __init__(self, message: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.report = report or {}


@dataclass
class Outcome:
    rows_read: int = 0
    rows_rejected: int = 0
    row_count: int = 0
    rejects: list[RejectedValue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Load:
    """One load's work, in a private DuckDB, ending in a Parquet file beside the published one."""

    def __init__(
        self,
        dataset: Dataset,
        version: DatasetVersion,
        fields: list[dict[str, Any]],
        mode: str,
        max_rejects: int,
    ) -> None:
        self.dataset = dataset
        self.version = version
        self.fields = fields
        self.mode = mode
        self.max_rejects = max_rejects
        self.mapping: dict[str, str] = {}
        self.ignored: list[str] = []
        # (field, value): an append that first drops the published rows holding that
        # value, such as one survey wave loaded again (surveys/files.py).
        self.replacing: tuple[str, str] | None = None
        self.folder = warehouse.dataset_folder(dataset.slug)
        stem = f".v{version.number}.tmp-{os.getpid()}"
        self.staging = self.folder / f"{stem}.parquet"
        self.merged = self.folder / f"{stem}.merged.parquet"
        self.outcome = Outcome()
        self.sources: list[Source] = []

    def where(self, source: Source) -> str:
        return f"dataset {self.dataset.slug!r}, file {source.label}"

    def run(self, sources: list[Source], progress: ProgressCallback | None) -> Outcome:
        """Load every file in `sources` as one version: all of them, or none."""
        started = time.perf_counter()
        self.sources = sources
        with self.connection() as connection:
            plans = [self.plan(connection, source) for source in sources]
            for source in sources:
                if source.kind == "parquet":
                    # Parquet gives its row count in its footer: refuse a bomb before reading it.
                    self.check_expansion(source, parquet_rows(connection, source.path))
            self.outcome.timings["header"] = round(time.perf_counter() - started, 3)
            step = time.perf_counter()
            try:
                self.copy_checked(connection, sources, plans, progress)
            except duckdb.Error as error:
                if REJECT_MARKER not in str(error):
                    raise IngestError(
                        read_failure(self.where_read(sources, error), error)
                    ) from None
                self.copy_after_finding_rejects(connection, sources, plans)
            self.outcome.timings["read_type_check"] = round(time.perf_counter() - step, 3)
            step = time.perf_counter()
            self.check_keys(connection, sources, plans)
            final = self.merge(connection, self.where_all(sources))
            self.outcome.row_count = parquet_rows(connection, final)
            self.outcome.timings["keys_and_merge"] = round(time.perf_counter() - step, 3)
            step = time.perf_counter()
            durable_replace(final, warehouse.version_path(self.dataset.slug, self.version.number))
            self.outcome.timings["write"] = round(time.perf_counter() - step, 3)
        return self.outcome

    def where_all(self, sources: list[Source]) -> str:
        if len(sources) == 1:
            return self.where(sources[0])
        return f"dataset {self.dataset.slug!r}, files {', '.join(s.label for s in sources)}"

    def where_read(self, sources: list[Source], error: duckdb.Error) -> str:
        """Name the file a read error came from: DuckDB's message names its path."""
        text = str(error)
        found = next((source for source in sources if str(source.path) in text), None)
        if found is None and len(sources) > 1:
            return self.where_all(sources).replace(", files ", ", one of files ", 1)
        return self.where(found or sources[0])

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        spill = self.folder / f".tmp-duckdb-{os.getpid()}"
        connection = duckdb.connect(
            ":memory:",
            config={"temp_directory": str(spill), "memory_limit": settings.CITYSTAT_LOAD_MEMORY},
        )
        try:
            yield connection
        finally:
            connection.close()
            for path in (self.staging, self.merged):
                path.unlink(missing_ok=True)
            if spill.exists():
                for leftover in spill.iterdir():
                    leftover.unlink(missing_ok=True)
                spill.rmdir()

    def plan(self, connection: duckdb.DuckDBPyConnection, source: Source) -> list[PlannedField]:
        """Check the header against the schema before any row is read; plan every field."""
        columns = source.columns or self.described_columns(connection, source)
        matched = self.match_columns(source, columns)
        missing: list[str] = []
        planned: list[tuple[dict[str, Any], str | None]] = []
        used = set(matched.values())
        keys = set(primary_key(self.dataset.table_schema))
        for spec in self.fields:
            if spec["name"] in matched:
                planned.append((spec, matched[spec["name"]]))
                continue
            column = self.mapping.get(spec["name"], spec["name"])
            required = (spec.get("constraints") or {}).get("required") or spec["name"] in keys
            if required:
                missing.append(
                    f"{column!r} for required field {spec['name']!r} "
                    f"(pass --map {spec['name']}=COLUMN)"
                )
            else:
                self.outcome.warnings.append(
                    f"no column {column!r} for field {spec['name']!r}; it was left empty."
                )
            planned.append((spec, None))
        ignored = {header_key(column) for column in self.ignored}
        unknown = [c for c in columns if c not in used and header_key(c) not in ignored]
        problems = []
        if missing:
            problems.append(f"no column {', '.join(missing)}")
        if unknown:
            problems.append(f"{len(unknown):,} unknown column(s) {few_names(unknown)}")
        if problems:
            raise IngestError(
                f"{self.where(source)}, line 1 (the header): {'; '.join(problems)}. "
                f"The file has {len(columns):,} column(s): {few_names(columns, shown=40)}. "
                "Nothing was loaded. Pass --map FIELD=COLUMN for a renamed column, add a "
                "field to the schema, or leave a column out with --ignore COLUMN.",
                # The report keeps as many names as the message: a wide file's thousands of
                # column names would otherwise be stored with every failed version.
                {"columns": columns[:40], "missing": missing, "unknown": unknown[:40]},
            )
        preferred = self.preferred_formats(connection, source, planned)
        result = []
        for spec, column in planned:
            if column is None:
                sql_type = typed_column(spec, "x").sql_type
                result.append(PlannedField(spec, None, f"null::{sql_type}", [], sql_type))
                continue
            typed = typed_column(spec, column, preferred.get(spec["name"]))
            result.append(
                PlannedField(spec, column, typed.expression, typed.parameters, typed.sql_type)
            )
        return result

    def match_columns(self, source: Source, columns: list[str]) -> dict[str, str]:
        """Return field → header column: the exact (or mapped) name first, then the one
        header that reads the same without regard to case, spaces and punctuation.

        'CREATION DATE' feeds `creation_date` and 'SRNumber' feeds `srnumber` without a
        --map; two headers that both read as one field are refused, naming both, since
        choosing either could load the wrong column.
        """
        wanted = {
            spec["name"]: self.mapping.get(spec["name"], spec["name"]) for spec in self.fields
        }
        matched = {name: column for name, column in wanted.items() if column in columns}
        free: dict[str, list[str]] = {}
        for column in columns:
            if column not in matched.values():
                free.setdefault(header_key(column), []).append(column)
        ambiguous = []
        for name, column in wanted.items():
            if name in matched:
                continue
            candidates = free.get(header_key(column), [])
            if len(candidates) > 1:
                ambiguous.append(
                    f"{' and '.join(repr(c) for c in candidates)} both match field {name!r}"
                )
            elif candidates:
                matched[name] = candidates[0]
        if ambiguous:
            raise IngestError(
                f"{self.where(source)}, line 1 (the header): {'; '.join(ambiguous)} once case, "
                "spaces and punctuation are set aside. Nothing was loaded; say which one "
                "with --map FIELD=COLUMN, or rename one of them.",
                {"columns": columns[:40], "ambiguous": ambiguous},
            )
        return matched

    def described_columns(self, connection: duckdb.DuckDBPyConnection, source: Source) -> list[str]:
        """Return the columns DuckDB finds in a Parquet or JSON file.

        A CSV's header is already read (sources.read_csv_header): asking DuckDB to
        describe a 50,000-column CSV would take half a minute before the header check.
        """
        try:
            described = connection.execute(
                f"describe select * from {source.reader}", source.reader_parameters
            ).fetchall()
        except duckdb.Error as error:
            raise IngestError(read_failure(self.where(source), error)) from None
        return [row[0] for row in described]

    def preferred_formats(
        self,
        connection: duckdb.DuckDBPyConnection,
        source: Source,
        planned: list[tuple[dict[str, Any], str | None]],
    ) -> dict[str, str]:
        """Return, per date field, the format to try first because a sample of the file uses it.

        Only the first two formats qualify (schema.typed_column guards the second), and
        the full pass still falls back to every format for a value the sample missed.
        """
        chosen: dict[str, str] = {}
        for spec, column in planned:
            formats = date_formats(spec)
            if column is None or len(formats) < 2:
                continue
            text = f"nullif(trim({quote_identifier(column)}), '')"
            for candidate in formats[:2]:
                try:
                    found = connection.execute(
                        f"select count({text}) = count(try_strptime({text}, ?)) "
                        f"from (select * from {source.reader} limit ?)",
                        [candidate, *source.reader_parameters, FORMAT_SAMPLE_ROWS],
                    ).fetchone()
                except duckdb.Error:
                    return chosen  # the full pass reports what is wrong with the file
                if found and found[0]:
                    chosen[spec["name"]] = candidate
                    break
        return chosen

    def copy_checked(
        self,
        connection: duckdb.DuckDBPyConnection,
        sources: list[Source],
        plans: list[list[PlannedField]],
        progress: ProgressCallback | None,
    ) -> None:
        """Read, type and check every row of every file in one streaming pass into staging."""
        rows, parameters = typed_union(sources, plans)
        outer: list[str] = []
        outer_parameters: list[Any] = []
        for field_plan in representative_fields(plans):
            checks = field_plan.checks()
            if not checks:
                outer.append(field_plan.quoted)
                continue
            whens = []
            for condition, condition_parameters, _expected in checks:
                whens.append(f"when {condition} then error(?)")
                outer_parameters.extend(condition_parameters + [REJECT_MARKER])
            outer.append(
                f"case {' '.join(whens)} else {field_plan.quoted} end as {field_plan.quoted}"
            )
        statement = (
            f"copy (select {', '.join(outer)} from ({rows})) "
            f"to {quote_path(self.staging)} (format parquet, compression snappy)"
        )
        with progress_reporter(connection, progress):
            found = connection.execute(statement, outer_parameters + parameters).fetchone()
        self.outcome.rows_read = int(found[0]) if found else 0

    def copy_after_finding_rejects(
        self,
        connection: duckdb.DuckDBPyConnection,
        sources: list[Source],
        plans: list[list[PlannedField]],
    ) -> None:
        keys = unique_keys(self.dataset.table_schema)
        try:
            rejects, rejected = find_rejects(connection, sources, plans, keys)
        except duckdb.Error as error:
            raise IngestError(read_failure(self.where_read(sources, error), error)) from None
        total = connection.execute("select count(*) from checked").fetchone()
        self.outcome.rows_read = int(total[0]) if total else 0
        self.outcome.rejects = collapse_datetime_rejects(
            connection, rejects, representative_fields(plans)
        )
        self.outcome.rows_rejected = rejected
        self.refuse_if_over_budget()
        columns = ", ".join(field_plan.quoted for field_plan in plans[0])
        connection.execute(
            f"copy (select {columns} from checked where not exists (select 1 from rejects "
            "where rejects.__file = checked.__file and rejects.__row = checked.__row) "
            f"order by __file, __row) to {quote_path(self.staging)} "
            "(format parquet, compression snappy)"
        )

    def check_keys(
        self,
        connection: duckdb.DuckDBPyConnection,
        sources: list[Source],
        plans: list[list[PlannedField]],
    ) -> None:
        """Refuse (or, within budget, drop) rows repeating a primary key or unique value."""
        if self.outcome.rows_rejected:
            return  # the careful pass already counted repeated keys among the rejects
        source = sources[0]
        repeats: list[tuple[int, str, str]] = []
        for key in unique_keys(self.dataset.table_schema):
            columns = ", ".join(quote_identifier(name) for name in key)
            found = connection.execute(
                f"select count(*) from (select {columns} from read_parquet(?) "
                f"group by {columns} having count(*) > 1)",
                [str(self.staging)],
            ).fetchone()
            if not found or not found[0]:
                continue
            rows = connection.execute(
                f"select file_row_number + 1, concat_ws(', ', {columns})::varchar from ("
                f"select file_row_number, {columns}, row_number() over (partition by {columns} "
                "order by file_row_number) as seen "
                "from read_parquet(?, file_row_number = true)) where seen > 1",
                [str(self.staging)],
            ).fetchall()
            repeats += [(int(record), ", ".join(key), value) for record, value in rows]
        if not repeats:
            return
        if len(sources) > 1:
            # A repeat may span two files; the careful pass names each row by file and line.
            self.copy_after_finding_rejects(connection, sources, plans)
            return
        records = sorted({record for record, _, _ in repeats})
        lines = line_numbers(source, set(records[:50]))
        self.outcome.rows_rejected = len(records)
        self.outcome.rejects = [
            RejectedValue(
                lines[record],
                key,
                value,
                "a value not already used earlier in the file",
            )
            for record, key, value in sorted(repeats)[:50]
            if record in lines
        ]
        self.refuse_if_over_budget()
        connection.execute(
            "copy (select * exclude (file_row_number) from read_parquet(?, file_row_number = true) "
            "where file_row_number + 1 not in (select unnest(?))) "
            f"to {quote_path(self.merged)} (format parquet, compression snappy)",
            [str(self.staging), records],
        )
        os.replace(self.merged, self.staging)

    def check_expansion(self, source: Source, rows: int) -> None:
        """Refuse a file whose rows × columns exceed CITYSTAT_MAX_EXPANSION × its size.

        Every value costs at least one byte once written as CSV (an export, an API answer),
        so rows × columns is the least the file decodes to. A text file can never exceed
        its own size that way; a Parquet file of repeated values can, a thousandfold.
        """
        limit = settings.CITYSTAT_MAX_EXPANSION
        size = source.path.stat().st_size
        decoded = rows * len(self.fields)
        if decoded <= limit * max(size, 1):
            return
        raise IngestError(
            f"{self.where(source)}: the {human_size(size)} file decodes to {rows:,} rows × "
            f"{len(self.fields)} columns, at least {human_size(decoded)} as text, more than "
            f"CITYSTAT_MAX_EXPANSION={limit} times its size. Nothing was published; check the "
            "file, or raise CITYSTAT_MAX_EXPANSION if data this repetitive is expected.",
            {"rows_read": rows, "file_bytes": size, "decoded_bytes": decoded},
        )

    def refuse_if_over_budget(self) -> None:
        rejected = self.outcome.rows_rejected
        if rejected <= self.max_rejects:
            return
        first = self.outcome.rejects[0] if self.outcome.rejects else None
        detail = (
            f"; first: line {first.line}, field {first.field!r}, value {first.value!r}, "
            f"expected {first.expected}"
            if first
            else ""
        )
        where = (
            f"dataset {self.dataset.slug!r}, file {first.file}"
            if first and first.file
            else self.where_all(self.sources)
        )
        raise IngestError(
            f"{where}: {rejected} row(s) do not fit the schema{detail}. "
            "Nothing was published; fix the file and load it again, or allow that many "
            "with --max-rejects.",
            {
                "rejects": [reject.to_dict() for reject in self.outcome.rejects],
                "warnings": self.outcome.warnings,
                "rows_read": self.outcome.rows_read,
                "rows_rejected": rejected,
            },
        )

    def merge(self, connection: duckdb.DuckDBPyConnection, where: str) -> Path:
        """Return the file to publish: the new rows, or the current version plus them."""
        current = self.dataset.latest_version
        if self.mode == "replace" or current is None:
            return self.staging
        old = warehouse.version_path(self.dataset.slug, current.number)
        key = primary_key(self.dataset.table_schema)
        columns = ", ".join(quote_identifier(name) for name in key)
        if self.mode == "append" and self.replacing:
            kept = (
                f"select * from read_parquet(?) "
                f"where {quote_identifier(self.replacing[0])}::varchar is distinct from ?"
            )
            parameters = [str(old), self.replacing[1]]
        elif self.mode == "append":
            kept = "select * from read_parquet(?)"
            parameters = [str(old)]
        else:
            kept = (
                f"select * from read_parquet(?) where ({columns}) not in "
                f"(select ({columns}) from read_parquet(?))"
            )
            parameters = [str(old), str(self.staging)]
        try:
            connection.execute(
                f"copy ({kept} union all by name select * from read_parquet(?)) "
                f"to {quote_path(self.merged)} (format parquet, compression snappy)",
                [*parameters, str(self.staging)],
            )
        except duckdb.Error as error:
            raise IngestError(
                f"{where}: cannot be added to v{current.number} "
                f"({first_line(error)}); load the whole file with --mode replace."
            ) from None
        if key and self.mode == "append":
            found = connection.execute(
                f"select count(*) from (select {columns} from read_parquet(?) "
                f"group by {columns} having count(*) > 1)",
                [str(self.merged)],
            ).fetchone()
            if found and found[0]:
                raise IngestError(
                    f"{where}: {found[0]} key(s) in {', '.join(key)} are already "
                    f"published in v{current.number}. Nothing was published; use --mode upsert "
                    "to replace those rows."
                )
        return self.merged


def typed_union(sources: list[Source], plans: list[list[PlannedField]]) -> tuple[str, list[Any]]:
    """Return one query giving every file's rows, typed, with the same columns in order."""
    raw_for = {planned.name for planned in representative_fields(plans) if planned.raw_needed}
    if len(sources) > 1 and read_alike(sources, plans):
        # One read_csv over the list of files scans them in parallel as DuckDB reads one
        # file; a union of one scan per file runs them one after the other.
        items, item_parameters = typed_select(plans[0], raw_for=raw_for)
        together = [[str(source.path) for source in sources], *sources[0].reader_parameters[1:]]
        return f"select {items} from {sources[0].reader}", item_parameters + together
    parts, parameters = [], []
    for source, plan in zip(sources, plans, strict=True):
        items, item_parameters = typed_select(plan, raw_for=raw_for)
        parts.append(f"select {items} from {source.reader}")
        parameters += item_parameters + source.reader_parameters
    return " union all ".join(parts), parameters


def read_alike(sources: list[Source], plans: list[list[PlannedField]]) -> bool:
    """Say whether the files are CSV of one header, dialect and typing, readable as one."""
    first, plan = sources[0], plans[0]
    typing = [(field.source_column, field.expression, field.parameters) for field in plan]
    return all(
        source.kind == "csv"
        and (source.columns, source.delimiter, source.encoding)
        == (first.columns, first.delimiter, first.encoding)
        and [(f.source_column, f.expression, f.parameters) for f in other] == typing
        for source, other in zip(sources, plans, strict=True)
    )


def collapse_datetime_rejects(
    connection: duckdb.DuckDBPyConnection, rejects: list[RejectedValue], fields: list[PlannedField]
) -> list[RejectedValue]:
    """Report a date field holding datetimes once, with the format that would read them.

    A datetime export loaded as dates would otherwise list the same mistake on every line
    (issue #17); the one entry says what to change instead.
    """
    date_fields = {f.name for f in fields if f.spec.get("type") == "date"}
    hinted: dict[str, str | None] = {}
    kept = []
    for reject in rejects:
        if reject.field not in date_fields or reject.value is None:
            kept.append(reject)
            continue
        if reject.field not in hinted:
            values = [r.value for r in rejects if r.field == reject.field and r.value]
            hinted[reject.field] = datetime_format_of(connection, values)
            if hinted[reject.field] is not None:
                reject.expected = (
                    f"a date; this looks like `{hinted[reject.field]}`; set the field's type "
                    "to datetime"
                )
                kept.append(reject)
                continue
        if hinted[reject.field] is None:
            kept.append(reject)
    return kept


def datetime_format_of(connection: duckdb.DuckDBPyConnection, values: list[str]) -> str | None:
    """Return the one datetime format that reads every value, if one does."""
    for candidate in DATETIME_FORMATS:
        found = connection.execute(
            "select count(*) = count(try_strptime(trim(v), ?)) from unnest(?) as t(v)",
            [candidate, values],
        ).fetchone()
        if found and found[0]:
            return candidate
    return None


def parquet_rows(connection: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Return a Parquet file's row count, read from its footer (no row is decoded)."""
    found = connection.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()
    return int(found[0]) if found else 0


def quote_path(path: Path) -> str:
    # COPY … TO takes no bound parameter; the path is ours (warehouse folder, checked slug,
    # version number, process id), quoted as a SQL string literal all the same.
    return "'" + str(path).replace("'", "''") + "'"


def durable_replace(staging: Path, target: Path) -> None:
    """Move a finished file into place so it is complete on disk before anyone points at it."""
    with staging.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, target)
    versions.fsync_folder(target.parent)


def read_failure(where: str, error: duckdb.Error) -> str:
    """Turn DuckDB's read error into one sentence naming the line and what to do.

    Raise DiskProblem instead when the disk is full or read-only: the staging file is
    written in the same statement that reads the source, and the source is not to blame.
    """
    disk = disk_problem(error, settings.CITYSTAT_HOME)
    if disk is not None:
        raise disk from None
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    reason = first_line(error)
    if line:
        details = [part.strip() for part in text.splitlines()[1:6] if part.strip()]
        problem = next((part for part in details if not part.startswith("Original Line")), "")
        reason = f"line {line.group(1)}: {problem or reason}"
    if "unicode" in text.lower():
        return (
            f"{where}: is not UTF-8 text ({reason}). Nothing was loaded; save it as UTF-8, "
            "or pass --encoding latin-1 (or utf-16) for what it is."
        )
    return (
        f"{where}: cannot be read ({reason}). Nothing was loaded; check that the file is "
        "complete (not cut off), that quotes are closed, and that it is in the format its "
        "name says."
    )


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


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
