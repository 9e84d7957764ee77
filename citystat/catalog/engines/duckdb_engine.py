"""The default engine: an in-process DuckDB reading the version Parquet files directly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from citystat.catalog.engines.base import (
    Engine,
    QueryFailed,
    QueryResult,
    QueryTimeout,
    Session,
    version_relation,
)
from citystat.catalog.warehouse import (
    ensure_usable_root,
    quote_identifier,
    shared_database,
    table_name,
)


class DuckDBSession(Session):
    """A cursor on the process's database; its Ibis backend is made on first use.

    Making the backend asks the installed DuckDB for its version through package metadata,
    about 3 ms: SODA answers run plain SQL on the cursor and never need it.
    """

    def __init__(
        self, engine: Engine, connection: duckdb.DuckDBPyConnection, published: dict[str, int]
    ) -> None:
        self._backend: Any = None
        super().__init__(engine, None, published)
        self.connection = connection

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = ibis.duckdb.from_connection(self.connection)
        return self._backend

    @backend.setter
    def backend(self, backend: Any) -> None:
        self._backend = backend

    def relation(self, slug: str) -> str:
        # catalog.warehouse names its views after the slug alone: the process's database
        # is rebuilt whenever a published file changes, so the view is the version.
        super().relation(slug)  # refuses a dataset with no published version
        return table_name(slug).strip('"')

    def query(self, sql: str, timeout: float) -> QueryResult:
        timer = threading.Timer(timeout, self.connection.interrupt)
        timer.start()
        try:
            cursor = self.connection.execute(sql)
            rows = cursor.fetchall()
            description = cursor.description or []
        except duckdb.InterruptException:
            raise QueryTimeout(f"the query ran longer than {timeout:.0f} seconds") from None
        except duckdb.Error as error:
            raise QueryFailed(error_kind(error)) from None
        finally:
            timer.cancel()
        return QueryResult(
            [column[0] for column in description],
            [str(column[1]).upper() for column in description],
            rows,
        )

    def version_table(self, slug: str, number: int) -> ir.Table:
        # A temporary view on this session's own cursor: it goes when the session closes
        # and never shows in the shared database other readers use.
        path = self.engine.version_file(slug, number)
        return self.backend.read_parquet(str(path), table_name=version_relation(slug, number))

    def arrow_batches(self, slug: str, columns: list[str]) -> pa.RecordBatchReader:
        # Ibis 12 asks DuckDB for `fetch_record_batch`, which DuckDB 2 renamed.
        selected = ", ".join(quote_identifier(name) for name in columns)
        relation = self.connection.sql(f"select {selected} from {table_name(slug)}")
        return relation.to_arrow_reader(50_000)


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"
    title = "DuckDB"
    errors = (duckdb.Error,)

    def describe(self) -> str:
        return f"DuckDB over the Parquet files in {self.files}"

    @contextmanager
    def session(self, published: dict[str, int]) -> Iterator[Session]:
        ensure_usable_root()
        files = {slug: self.version_file(slug, number) for slug, number in published.items()}
        connection = shared_database(files).cursor()
        try:
            yield DuckDBSession(self, connection, published)
        finally:
            connection.close()


def error_kind(error: Exception) -> str:
    """Name what went wrong by kind; the SQL and its values stay out of the message."""
    return f"{type(error).__name__}: {str(error).splitlines()[0].split(':')[0][:80]}"
