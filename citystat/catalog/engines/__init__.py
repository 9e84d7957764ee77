"""Warehouse engines: where published datasets are read and measures computed.

`CITYSTAT_WAREHOUSE` is a folder (DuckDB over the version Parquet files, the default)
or an Ibis connection URL: `duckdb://FOLDER`, `postgres://USER:PASSWORD@HOST/DB`, or
`pyspark://MASTER`. Every load still writes its version as a Parquet file (under the
folder, or CITYSTAT_WAREHOUSE_FILES for the URL engines); the engine then makes it
readable where it computes. docs/warehouses.md explains each engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from citystat.catalog.engines.base import (
    Engine,
    EngineError,
    QueryFailed,
    QueryResult,
    QueryTimeout,
    Session,
    version_relation,
)
from citystat.catalog.models import DatasetVersion

__all__ = [
    "Engine",
    "EngineError",
    "QueryFailed",
    "QueryResult",
    "QueryTimeout",
    "Session",
    "current",
    "engine_for",
    "open_session",
    "published_versions",
    "version_relation",
]

SCHEMES = ("duckdb", "postgres", "postgresql", "pyspark")
_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def engine_for(location: str, files: str | Path = "") -> Engine:
    """Return the engine a CITYSTAT_WAREHOUSE value names (without connecting to it)."""
    scheme, separator, rest = location.partition("://")
    if not separator:
        return folder_engine(location, Path(location).expanduser())
    folder = Path(files).expanduser() if files else Path(settings.CITYSTAT_HOME) / "warehouse"
    if scheme == "duckdb":
        return folder_engine(location, Path(rest).expanduser() if rest else folder)
    if scheme in ("postgres", "postgresql"):
        # Each engine's module (and its driver, an optional extra) loads only when named.
        from citystat.catalog.engines.postgres_engine import PostgresEngine  # noqa: PLC0415

        return PostgresEngine(location, folder)
    if scheme == "pyspark":
        from citystat.catalog.engines.spark_engine import SparkEngine  # noqa: PLC0415

        return SparkEngine(location, folder)
    raise EngineError(
        f"CITYSTAT_WAREHOUSE={scheme}://… names an engine citystat does not run yet "
        f"(it runs {', '.join(s + '://' for s in SCHEMES)} or a folder path); "
        "docs/warehouses.md says what another Ibis backend would need."
    )


def folder_engine(location: str, folder: Path) -> Engine:
    # As for the engines above: an engine's module loads when the settings choose it.
    from citystat.catalog.engines.duckdb_engine import DuckDBEngine  # noqa: PLC0415

    return DuckDBEngine(location, folder)


def current() -> Engine:
    """Return the engine the settings name; one object per process and configuration."""
    key = (settings.CITYSTAT_WAREHOUSE, str(settings.CITYSTAT_WAREHOUSE_FILES))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = engine_for(*key)
    return engine


def published_versions() -> dict[str, int]:
    """Return {slug: published version number} for every dataset that has one."""
    try:
        return dict(
            DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).values_list(
                "dataset__slug", "number"
            )
        )
    except DatabaseError:
        # No app tables yet (before `citystat migrate`): nothing is published.
        return {}


@contextmanager
def open_session() -> Iterator[Session]:
    """Open the configured warehouse with the versions published right now."""
    with current().session(published_versions()) as session:
        yield session
