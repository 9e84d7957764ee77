"""PostgreSQL as the warehouse: one table per dataset version, read through Ibis.

A load copies its finished Parquet file into a new table `<slug>__v<N>` in one
transaction (a killed copy leaves nothing behind); the app database's pointer then
switches to it exactly as with DuckDB, so readers see the old table or the new one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import ibis
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg import sql

from citystat.catalog.engines.base import (
    Engine,
    EngineError,
    QueryFailed,
    QueryResult,
    QueryTimeout,
    Session,
    version_relation,
)

COPY_BATCH_ROWS = 100_000


def column_type(arrow_type: pa.DataType) -> str:
    """Return the PostgreSQL type that holds an Arrow column from a version file."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int8(arrow_type) or pa.types.is_int16(arrow_type):
        return "smallint"
    if pa.types.is_int32(arrow_type):
        return "integer"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_time(arrow_type):
        return "time"
    return "text"


class PostgresSession(Session):
    connection: psycopg.Connection

    def query(self, text: str, timeout: float) -> QueryResult:
        try:
            # The time limit is local to this transaction, so it never outlives the query.
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.execute(
                    "select set_config('statement_timeout', %s, true)", [f"{int(timeout * 1000)}"]
                )
                cursor.execute(text)  # no parameters: psycopg leaves a '%' in it alone
                rows = cursor.fetchall()
                description = cursor.description or []
        except psycopg.errors.QueryCanceled:
            raise QueryTimeout(f"the query ran longer than {timeout:.0f} seconds") from None
        except psycopg.Error as error:
            raise QueryFailed(f"{type(error).__name__}") from None
        types = []
        for column in description:
            info = self.connection.adapters.types.get(column.type_code)
            types.append((info.name if info else "text").upper())
        return QueryResult([column.name for column in description], types, rows)


class PostgresEngine(Engine):
    name = "postgres"
    dialect = "postgres"
    title = "PostgreSQL"
    errors = (psycopg.Error,)

    def describe(self) -> str:
        parts = urlsplit(self.location)
        return f"PostgreSQL at {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        try:
            return psycopg.connect(self.location, connect_timeout=10, autocommit=autocommit)
        except psycopg.Error as error:
            raise EngineError(
                f"cannot connect to the warehouse ({self.describe()}): "
                f"{str(error).strip().splitlines()[-1]}; check CITYSTAT_WAREHOUSE."
            ) from None

    def store_version(self, slug: str, number: int, parquet: Path) -> None:
        table = sql.Identifier(version_relation(slug, number))
        source = pq.ParquetFile(parquet)
        schema = source.schema_arrow
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(column_type(field.type)))
            for field in schema
        )
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        # One transaction: the table appears whole at commit or not at all.
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql.SQL("drop table if exists {}").format(table))
            cursor.execute(sql.SQL("create table {} ({})").format(table, columns))
            statement = sql.SQL("copy {} from stdin (format csv)").format(table)
            with cursor.copy(statement) as copy:
                for batch in source.iter_batches(batch_size=COPY_BATCH_ROWS):
                    buffer = io.BytesIO()
                    pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, options)
                    copy.write(buffer.getvalue())
            cursor.execute(sql.SQL("analyze {}").format(table))

    def drop_version(self, slug: str, number: int) -> None:
        table = sql.Identifier(version_relation(slug, number))
        with self.connect() as connection:
            connection.execute(sql.SQL("drop table if exists {}").format(table))

    def has_version(self, slug: str, number: int) -> bool:
        with self.connect() as connection:
            found = connection.execute(
                "select to_regclass(%s) is not null",
                [sql.Identifier(version_relation(slug, number)).as_string(connection)],
            ).fetchone()
        return bool(found and found[0])

    @contextmanager
    def session(self, published: dict[str, int]) -> Iterator[Session]:
        connection = self.connect(autocommit=True)
        try:
            backend = ibis.postgres.from_connection(connection)
            session = PostgresSession(self, backend, published)
            session.connection = connection
            yield session
        finally:
            connection.close()
