"""Whole-dataset download files (CSV, JSON, Parquet, GeoJSON), built once per version.

Building a file of millions of rows takes minutes, so it never happens in a web request
(#16: four anonymous GeoJSON downloads outlived gunicorn's timeout and took the site
down). A published version of a public dataset whose files are missing is the queue:
`build_exports()` writes them, and runs from `citystat exports`, after every
`citystat refresh` round (cron, the systemd timer or `--loop`), at the end of
`citystat ingest` and of `citystat demo`. Until then the download answers 202 with
Retry-After (citystat.api.views.download).

The files live beside the version they come from, `<warehouse>/<slug>/exports/v<N>.csv`,
so every web node that reads the version files reads these too, and
`catalog.versions.prune` deletes them with their version. Only public columns are ever
written, in the warehouse's row order, so a withheld column cannot change a byte.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from citystat.catalog import engines, warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.jobs.runs import single_run
from citystat.lib.csv_safety import safe_cell_sql

logger = logging.getLogger("citystat.catalog.exports")

EXTENSIONS = ("csv", "json", "parquet", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "geojson": "application/geo+json",
}
COPY_OPTIONS = {
    "csv": "(format csv, header true)",
    "json": "(format json, array true)",
    "parquet": "(format parquet, compression zstd)",
}
PARTIAL_SUFFIX = ".part"


@dataclass
class ExportResult:
    slug: str
    number: int
    extension: str
    bytes: int
    seconds: float


def public_names(dataset: Dataset) -> list[str]:
    """Return the columns a download may hold: the schema's public fields, in order."""
    return [spec["name"] for spec in dataset.public_fields]


def has_points(dataset: Dataset) -> bool:
    return {"latitude", "longitude"} <= set(public_names(dataset))


def formats_for(dataset: Dataset) -> list[str]:
    """Return the download formats the dataset offers (GeoJSON only with a point)."""
    return [ext for ext in EXTENSIONS if ext != "geojson" or has_points(dataset)]


def exports_folder(slug: str) -> Path:
    return warehouse.dataset_folder(slug) / "exports"


def export_file(slug: str, number: int, extension: str) -> Path:
    """Return where version `number`'s download in `extension` is (or will be) kept."""
    if extension not in EXTENSIONS:
        raise ValueError(f"no download format {extension!r}; one of {', '.join(EXTENSIONS)}.")
    return exports_folder(slug) / f"v{number}.{extension}"


def missing_formats(version: DatasetVersion) -> list[str]:
    """Return the formats of `version` not written yet."""
    slug = version.dataset.slug
    return [
        ext
        for ext in formats_for(version.dataset)
        if not export_file(slug, version.number, ext).is_file()
    ]


def pending_versions(slug: str | None = None) -> list[DatasetVersion]:
    """Return the published versions of public datasets that lack a download file."""
    published = DatasetVersion.objects.filter(
        status=DatasetVersion.Status.PUBLISHED, dataset__is_public=True
    ).select_related("dataset")
    if slug is not None:
        published = published.filter(dataset__slug=slug)
    return [version for version in published.order_by("dataset__slug") if missing_formats(version)]


def build_exports(
    slug: str | None = None, report: Callable[[ExportResult], None] | None = None
) -> list[ExportResult]:
    """Write every missing download file of the published public versions; return them.

    Run it under `single_run("exports")` (citystat/jobs/runs.py) so two processes do not
    write the same file twice; a file is renamed into place only once complete, so even
    then a reader never sees half of one.
    """
    results = []
    for version in pending_versions(slug):
        remove_partial_files(version.dataset.slug)
        for extension in missing_formats(version):
            result = write_export(version, extension)
            results.append(result)
            if report is not None:
                report(result)
        # A prune that ran while the files were written leaves them behind: sweep again.
        remove_stale_exports(version.dataset)
    return results


def run_export_job(
    slug: str | None = None, report: Callable[[ExportResult], None] | None = None
) -> list[ExportResult]:
    """Build the missing files as the one `exports` job of the site; record the run.

    Raises JobAlreadyRunning when another process (a worker, another node) is building.
    """
    with single_run("exports"):
        return build_exports(slug, report)


def describe(result: ExportResult) -> str:
    return (
        f"{result.slug} v{result.number}.{result.extension}: "
        f"{result.bytes / 1e6:,.1f} MB in {result.seconds:.1f} s"
    )


def write_export(version: DatasetVersion, extension: str) -> ExportResult:
    """Write one download file of `version` (the engine streams, a private DuckDB writes)."""
    dataset = version.dataset
    target = export_file(dataset.slug, version.number, extension)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".v{version.number}.", suffix=f".{extension}{PARTIAL_SUFFIX}"
    )
    os.close(handle)
    try:
        # A session on exactly this version: a publish meanwhile cannot slip its rows in.
        pinned = {dataset.slug: version.number}
        with engines.current().session(pinned) as session, duckdb.connect(":memory:") as writer:
            names = public_names(dataset)
            writer.register("published", session.arrow_batches(dataset.slug, names))
            if extension == "geojson":
                write_geojson(writer, "published", names, Path(temporary))
            else:
                columns = select_list(dataset, extension)
                quoted_path = "'" + temporary.replace("'", "''") + "'"
                writer.execute(
                    f"copy (select {columns} from published) to {quoted_path} "
                    f"{COPY_OPTIONS[extension]}"
                )
        # mkstemp makes the file private; web nodes may run as another user than the job.
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    seconds = time.monotonic() - started
    size = target.stat().st_size
    logger.info("export %s v%s.%s: %s bytes in %.1f s", dataset.slug, version.number,
                extension, size, seconds)  # fmt: skip
    return ExportResult(dataset.slug, version.number, extension, size, seconds)


def select_list(dataset: Dataset, extension: str) -> str:
    """Return the columns to write; in a CSV, text cells are escaped for spreadsheets."""
    columns = []
    for spec in dataset.public_fields:
        column = warehouse.quote_identifier(spec["name"])
        if extension == "csv" and spec.get("type", "string") == "string":
            column = f"{safe_cell_sql(column)} as {column}"
        columns.append(column)
    return ", ".join(columns)


def write_geojson(
    connection: duckdb.DuckDBPyConnection, relation: str, names: list[str], path: Path
) -> None:
    """Write rows as GeoJSON point features, streaming in batches."""
    columns = ", ".join(warehouse.quote_identifier(name) for name in names)
    cursor = connection.execute(f"select {columns} from {relation}")
    latitude, longitude = names.index("latitude"), names.index("longitude")
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        first = True
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                geometry = None
                if row[latitude] is not None and row[longitude] is not None:
                    geometry = {"type": "Point", "coordinates": [row[longitude], row[latitude]]}
                properties = {
                    name: (value.isoformat() if hasattr(value, "isoformat") else value)
                    for name, value in zip(names, row, strict=True)
                    if value is not None
                }
                feature = {"type": "Feature", "geometry": geometry, "properties": properties}
                out.write(("" if first else ",") + json.dumps(feature, separators=(",", ":")))
                first = False
        out.write("]}")


def remove_partial_files(slug: str) -> None:
    """Delete half-written files of a build that was killed (call under the job's lock)."""
    folder = exports_folder(slug)
    if folder.is_dir():
        for leftover in folder.glob(f".v*{PARTIAL_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def remove_exports(slug: str, numbers: Iterable[int]) -> None:
    """Delete the download files of versions `numbers`."""
    for number in numbers:
        for extension in EXTENSIONS:
            export_file(slug, number, extension).unlink(missing_ok=True)


def remove_stale_exports(dataset: Dataset) -> list[Path]:
    """Delete download files whose version is no longer kept; return them."""
    folder = exports_folder(dataset.slug)
    if not folder.is_dir():
        return []
    kept = set(
        dataset.versions.filter(
            status__in=[DatasetVersion.Status.PUBLISHED, DatasetVersion.Status.SUPERSEDED]
        ).values_list("number", flat=True)
    )
    stale = [
        path
        for path in folder.glob("v*.*")
        if path.stem[1:].isdigit() and int(path.stem[1:]) not in kept
    ]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
