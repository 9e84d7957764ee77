"""The one path by which data enters the warehouse: read, type, check, publish atomically.

A load checks the file's header against the dataset's Table Schema, then reads, types and
checks every row in one streaming pass straight into a new Parquet file beside the
published one. Any value that does not fit stops that pass; a second, careful pass then
names every reject (line, field, value, expected) for the load report, and the good rows
are published only if the rejects stay within `max_rejects`. The new file becomes the
published version in one app-database transaction (catalog.versions), so a failed or
killed load leaves the published version exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from citystat.catalog import engines, hooks, uploads, versions, warehouse
from citystat.catalog.load import IngestError, Load, ProgressCallback, first_line
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.schema import SchemaError, primary_key, validate_schema
from citystat.catalog.sources import SourceError, fetched, open_source
from citystat.lib.disk import disk_problem

__all__ = ["MODES", "IngestError", "ingest"]

MODES = ("replace", "append", "upsert")


def ingest(
    dataset: Dataset,
    source: str | Path | Sequence[str | Path],
    *,
    mode: str = "replace",
    column_map: dict[str, str] | None = None,
    max_rejects: int = 0,
    progress: ProgressCallback | None = None,
    ignored_columns: list[str] | None = None,
    encoding: str = "utf-8",
    started_by: str = "",
    replacing: tuple[str, str] | None = None,
) -> DatasetVersion:
    """Load `source` into `dataset`, publish it if it passes, and return the version.

    Several sources load as one version: every file's header is checked, every row of
    every file is typed and checked, and only then is the one version published.
    `replacing` = (field, value) makes an append drop the published rows with that value
    first, in the same new version (one survey wave loaded again).
    Raises IngestError, after recording a failed version, when a source cannot be read
    or more than `max_rejects` rows do not fit the schema.
    """
    labels = [str(source)] if isinstance(source, str | Path) else [str(s) for s in source]
    if not labels:
        raise IngestError(f"dataset {dataset.slug!r}: no file to load.")
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise IngestError(
            f"dataset {dataset.slug!r}: {', '.join(repeated)} is given more than once; "
            "each file loads once. Nothing was loaded."
        )
    if mode not in MODES:
        raise IngestError(f"mode {mode!r} is not one of {', '.join(MODES)}.")
    try:
        fields = validate_schema(dataset.table_schema)
    except SchemaError as error:
        raise IngestError(f"dataset {dataset.slug!r}: {error} Fix the dataset's schema.") from None
    if replacing is not None and mode != "append":
        raise IngestError(f"replacing rows by {replacing[0]!r} needs mode append, not {mode!r}.")
    if mode == "upsert" and not primary_key(dataset.table_schema):
        raise IngestError(
            f"dataset {dataset.slug!r}: --mode upsert needs a primaryKey in the schema; "
            "add one or use --mode replace."
        )
    try:
        # A URL is downloaded before the lock and before any version exists, so a refused
        # or unreachable address leaves the dataset exactly as it was.
        with ExitStack() as stack:
            locals_ = [stack.enter_context(fetched(label)) for label in labels]
            stack.enter_context(versions.dataset_lock(dataset))
            try:
                return load_locked(
                    dataset,
                    labels,
                    locals_,
                    fields,
                    mode,
                    max_rejects,
                    progress,
                    mapping={**dataset.column_map, **(column_map or {})},
                    ignored=[*dataset.ignored_columns, *(ignored_columns or [])],
                    encoding=encoding,
                    started_by=started_by,
                    replacing=replacing,
                )
            finally:
                # A failed load's upload goes at once, a pruned version's with it (#16).
                with contextlib.suppress(OSError):
                    uploads.prune_uploads(dataset)
    except versions.VersionError as error:
        raise IngestError(str(error)) from None
    except SourceError as error:
        raise IngestError(f"dataset {dataset.slug!r}, source {error} Nothing was loaded.") from None


def load_locked(
    dataset: Dataset,
    labels: list[str],
    locals_: list[Path],
    fields: list[dict[str, Any]],
    mode: str,
    max_rejects: int,
    progress: ProgressCallback | None,
    *,
    mapping: dict[str, str],
    ignored: list[str],
    encoding: str,
    started_by: str,
    replacing: tuple[str, str] | None = None,
) -> DatasetVersion:
    """Run one load while holding the dataset's lock; record it whatever happens."""
    versions.clear_interrupted_loads(dataset)
    version = DatasetVersion.objects.create(
        dataset=dataset,
        number=next_version_number(dataset),
        status=DatasetVersion.Status.LOADING,
        mode=mode,
        source=source_label(labels),
        started_by=started_by,
        process_id=os.getpid(),
        started_at=timezone.now(),
    )
    load = Load(dataset, version, fields, mode, max_rejects)
    load.mapping, load.ignored, load.replacing = mapping, ignored, replacing
    several = {"sources": labels} if len(labels) > 1 else {}
    try:
        with ExitStack() as stack:
            opened = [
                stack.enter_context(open_source(label, encoding, local))
                for label, local in zip(labels, locals_, strict=True)
            ]
            checksum = stack.enter_context(fingerprint([source.path for source in opened]))
            version.bytes_read = sum(source.path.stat().st_size for source in opened)
            outcome = load.run(opened, progress)
            version.checksum = checksum()
    except (IngestError, SourceError) as error:
        report = {**getattr(error, "report", {}), **several}
        message = str(error)
        if isinstance(error, SourceError):
            message = f"dataset {dataset.slug!r}, file {message}"
        record_failure(version, message, report)
        raise IngestError(message, report) from None
    except BaseException as error:
        problem = (
            disk_problem(error, settings.CITYSTAT_HOME) if isinstance(error, Exception) else None
        )
        if problem is not None:
            # A full or read-only disk may refuse this record too; the sentence matters more.
            with contextlib.suppress(Exception):
                record_failure(version, str(problem), several)
            raise problem from None
        record_failure(version, f"the load stopped: {type(error).__name__}: {error}", several)
        raise
    version.rows_read = outcome.rows_read
    version.rows_rejected = outcome.rows_rejected
    store_in_engine(version, outcome.rows_read)
    version.row_count = outcome.row_count
    version.finished_at = timezone.now()
    version.report = {
        "rejects": [reject.to_dict() for reject in outcome.rejects],
        "warnings": outcome.warnings,
        "timings": outcome.timings,
        **several,
    }
    previous = dataset.latest_version
    versions.publish(version)
    # Before pruning: the hooks compare the new version with the one it replaced.
    notes = hooks.after_publish(version, previous)
    if notes:
        version.report = {**version.report, "after_publish": notes}
        version.save(update_fields=["report"])
    versions.prune(dataset)
    return version


def store_in_engine(version: DatasetVersion, rows_read: int) -> None:
    """Make the finished version file readable by the configured engine, or fail the load.

    Runs before the pointer moves, so a refused copy leaves the published version as it was.
    """
    engine = engines.current()
    slug = version.dataset.slug
    path = warehouse.version_path(slug, version.number)
    try:
        engine.store_version(slug, version.number, path)
    except Exception as error:
        with contextlib.suppress(Exception):
            engine.drop_version(slug, version.number)
        path.unlink(missing_ok=True)
        message = (
            f"dataset {slug!r}: {engine.describe()} did not take v{version.number} "
            f"({type(error).__name__}: {first_line(error)}); the published version was not "
            "changed. Check that the warehouse is reachable, then load the file again."
        )
        record_failure(version, message, {"rows_read": rows_read})
        raise IngestError(message) from None


def record_failure(version: DatasetVersion, message: str, report: dict[str, Any]) -> None:
    version.status = DatasetVersion.Status.FAILED
    version.finished_at = timezone.now()
    version.rows_read = report.get("rows_read", 0)
    version.rows_rejected = report.get("rows_rejected", 0)
    version.report = {**report, "message": message}
    version.save()


def next_version_number(dataset: Dataset) -> int:
    latest = dataset.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def source_label(labels: list[str]) -> str:
    """Return how a version names what it loaded; several files are listed in its report."""
    if len(labels) == 1:
        return labels[0]
    label = " + ".join(labels)
    limit = DatasetVersion._meta.get_field("source").max_length or 500
    if len(label) <= limit:
        return label
    more = f" and {len(labels) - 1} more file(s)"
    return labels[0][: limit - len(more)] + more


@contextmanager
def fingerprint(paths: list[Path]) -> Iterator[Callable[[], str]]:
    """Checksum the sources, in order, on a side thread while the load reads them.

    CRC-32 says whether two loads read the same bytes at a fifth of SHA-256's CPU cost,
    which on a two-core server would otherwise come out of the load itself.
    """
    checksum = 0

    def read() -> None:
        nonlocal checksum
        for path in paths:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 22):
                    checksum = zlib.crc32(chunk, checksum)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()

    def result() -> str:
        worker.join()
        return f"crc32:{checksum:08x}"

    try:
        yield result
    finally:
        worker.join()
