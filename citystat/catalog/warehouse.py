"""The warehouse's files: the store of every published dataset, and the load's DuckDB door.

Every published version is an immutable Parquet file,
`<warehouse folder>/<slug>/v<N>.parquet`, and the app database's published
`DatasetVersion` row is the pointer to it. DuckDB lets only one process write a database
file and then locks every reader out, so readers never share a database file with a
load: `_connect()` opens a private in-memory DuckDB in which each published dataset is a
view over its current file. A load writes a new file beside the old one and switches
the pointer in one database transaction, so a reader sees the old version or the new
one, never a mix, and a killed load leaves nothing visible.

`_connect()` is DuckDB over those files whatever engine CITYSTAT_WAREHOUSE names, so it is
private to the load and to `check()`: every reader (measures, previews, downloads, SODA,
Open311, surveys, place pages, embeds and update news) goes through the configured
engine instead (catalog.engines.open_session), which may be PostgreSQL or Spark. The
DuckDB engine's session reads the same in-memory views (`shared_database`).
public/tests/test_place_stats.py fails if a module outside the load opens `_connect`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from django.db import DatabaseError

from citystat.catalog import engines
from citystat.catalog.models import DatasetVersion, validate_dataset_slug
from citystat.lib.errors import CitystatError


class WarehouseUnavailable(CitystatError):
    pass


def warehouse_root() -> Path:
    """Return the folder that holds every dataset's version files, whatever the engine."""
    try:
        return engines.current().files
    except engines.EngineError as error:
        raise WarehouseUnavailable(str(error)) from None


def dataset_folder(slug: str) -> Path:
    table_name(slug)  # validates the slug before it becomes part of a path
    return warehouse_root() / slug


def version_path(slug: str, number: int) -> Path:
    return dataset_folder(slug) / f"v{number}.parquet"


def published_files() -> dict[str, Path]:
    """Return {slug: current Parquet file} for every dataset with a published version."""
    try:
        rows = list(
            DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).values_list(
                "dataset__slug", "number"
            )
        )
    except DatabaseError:
        # No app tables yet (before `citystat migrate`): nothing is published.
        return {}
    return {slug: version_path(slug, number) for slug, number in rows}


@contextmanager
def _connect(read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse: one view per published dataset, named by `table_name(slug)`.

    Each caller gets its own connection (a cursor) on an in-memory database that this
    process keeps while the published versions stay the same, so a page view pays for
    one app-database query, not for opening DuckDB and reading every file's footer.
    `read_only` is kept for callers that say what they mean: the published files can
    never be changed through it.
    """
    ensure_usable_root()
    connection = shared_database(published_files()).cursor()
    try:
        yield connection
    finally:
        connection.close()


_databases: dict[tuple[tuple[str, str, int, int], ...], duckdb.DuckDBPyConnection] = {}
_databases_lock = threading.Lock()
# Databases inherited through fork(): DuckDB's threads do not survive it, so a forked
# gunicorn worker neither uses nor closes them (closing one crashes the process); it
# keeps them referenced here and opens its own.
_inherited: list[duckdb.DuckDBPyConnection] = []


def _after_fork_in_child() -> None:
    global _databases_lock
    _inherited.extend(_databases.values())
    _databases.clear()
    _databases_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def forget_connections() -> None:
    """Close this process's databases, such as before a server forks its workers."""
    with _databases_lock:
        for database in _databases.values():
            database.close()
        _databases.clear()


def shared_database(files: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    """Return the process's database holding a view for each of `files`.

    Keyed by the exact set of published files: a new load or a rollback changes the key,
    and the next caller gets a fresh database while readers of the old one finish.
    """
    # The file's size and time join the key because a dataset deleted and loaded again
    # starts over at v1, at the same path.
    key = tuple(
        sorted(
            (slug, str(path), stat.st_size, stat.st_mtime_ns)
            for slug, path in files.items()
            if (stat := file_stat(path)) is not None
        )
    )
    with _databases_lock:
        database = _databases.get(key)
        if database is None:
            database = duckdb.connect(":memory:")
            for slug, path, _size, _time in key:
                view = table_name(slug).strip('"')
                database.read_parquet(path).create_view(view, replace=True)
            # Only the newest set is kept; older databases close once unused.
            _databases.clear()
            _databases[key] = database
    return database


def file_stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def ensure_usable_root() -> None:
    root = warehouse_root()
    blocker = next((p for p in [root, *root.parents] if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise WarehouseUnavailable(
            f"cannot open the warehouse at {root} ({blocker} is a file, not a folder); "
            "check CITYSTAT_WAREHOUSE and that the folder is writable."
        )


def table_name(slug: str) -> str:
    """Return the quoted warehouse relation that holds dataset `slug`'s published rows."""
    validate_dataset_slug(slug)
    return '"' + "ds_" + slug.replace("-", "_") + '"'


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_count(slug: str) -> int | None:
    """Return how many rows dataset `slug` has published, or None if it has none."""
    version = DatasetVersion.objects.filter(
        dataset__slug=slug, status=DatasetVersion.Status.PUBLISHED
    ).first()
    return None if version is None else version.row_count


def check() -> None:
    """Raise WarehouseUnavailable unless the warehouse answers and every published file is there.

    It stays on the files' own DuckDB door whatever the engine: every load writes its
    version as a Parquet file, which is the copy backups, rollbacks and a move between
    engines rely on, so health asks that each published file is there and readable (DuckDB
    reads its footer), then that the configured engine answers too.
    """
    missing = [str(path) for path in published_files().values() if not path.is_file()]
    if missing:
        raise WarehouseUnavailable(
            f"published files are missing: {', '.join(missing[:3])}; "
            "restore them from a backup or run `citystat rollback SLUG`."
        )
    with _connect() as connection:
        connection.execute("select 1").fetchone()
    engine = engines.current()
    if engine.name != "duckdb":
        try:
            engine.check()
        except (engines.EngineError, engines.QueryFailed, engines.QueryTimeout) as error:
            raise WarehouseUnavailable(f"{engine.describe()}: {error}") from None
