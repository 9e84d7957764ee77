"""The only door to the warehouse, the store of every published dataset.

The default warehouse is a DuckDB file (`CITYSTAT_WAREHOUSE`). Web requests open it
read-only; loads open it for writing and publish in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from django.conf import settings

from citystat.lib.errors import CitystatError


class WarehouseUnavailable(CitystatError):
    pass


def warehouse_path() -> Path:
    location = settings.CITYSTAT_WAREHOUSE
    if "://" in location and not location.startswith("duckdb://"):
        raise WarehouseUnavailable(
            f"CITYSTAT_WAREHOUSE={location!r} names a backend this version cannot open yet; "
            "unset it to use the DuckDB file under CITYSTAT_HOME, or give a duckdb:// path."
        )
    return Path(location.removeprefix("duckdb://")).expanduser()


@contextmanager
def connect(read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; read-only unless the caller is loading data."""
    path = warehouse_path()
    if read_only and not path.exists() and path.parent.is_dir():
        # A new installation has no warehouse yet: an empty in-memory one answers "no data".
        connection = duckdb.connect(":memory:")
    else:
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(path), read_only=read_only)
        except (OSError, duckdb.Error) as error:
            reason = str(error).splitlines()[0]
            raise WarehouseUnavailable(
                f"cannot open the warehouse at {path} ({reason}); "
                "check CITYSTAT_WAREHOUSE and that the folder is writable."
            ) from None
    try:
        yield connection
    finally:
        connection.close()


def table_name(slug: str) -> str:
    """Return the quoted warehouse table that holds dataset `slug`'s published rows."""
    from citystat.catalog.models import validate_dataset_slug

    validate_dataset_slug(slug)
    return '"' + "ds_" + slug.replace("-", "_") + '"'


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_count(slug: str) -> int | None:
    """Return how many rows dataset `slug` has published, or None if it has none."""
    with connect() as connection:
        try:
            result = connection.execute(f"select count(*) from {table_name(slug)}").fetchone()
        except duckdb.CatalogException:
            return None
    return int(result[0]) if result else None


def check() -> None:
    """Raise WarehouseUnavailable unless the warehouse answers a query."""
    with connect() as connection:
        connection.execute("select 1").fetchone()
