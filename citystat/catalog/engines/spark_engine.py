"""Spark as the warehouse: the version Parquet files read by a SparkSession through Ibis.

`CITYSTAT_WAREHOUSE=pyspark://local[2]` runs Spark inside this process (tests, one
machine); `pyspark://spark://host:7077` names a cluster's master, whose executors must
reach CITYSTAT_WAREHOUSE_FILES at the same path (a shared or object-store folder).
Query parameters become Spark settings: `pyspark://local[4]?spark.driver.memory=4g`.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import duckdb
import ibis
import ibis.expr.types as ir

from citystat.catalog.engines.base import (
    Engine,
    EngineError,
    QueryFailed,
    QueryResult,
    QueryTimeout,
    Session,
    version_relation,
)
from citystat.catalog.warehouse import quote_identifier

if TYPE_CHECKING:
    # pyspark is an optional extra: spark_session() imports it only when Spark is used.
    from pyspark.sql import SparkSession

# Spark's default of 200 shuffle partitions suits a cluster; on one machine it turns a
# small aggregation into 200 tiny tasks. A setting in the URL overrides any of these.
DEFAULT_SETTINGS = {
    "spark.ui.enabled": "false",
    # Progress bars on stderr would interleave with citystat's own output and logs.
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}

_sessions: dict[str, SparkSession] = {}
_sessions_lock = threading.Lock()


def spark_session(master: str, settings: dict[str, str]) -> SparkSession:
    """Return this process's SparkSession for `master`, starting it on first use."""
    try:
        # pyspark is the [spark] extra: it loads only when Spark is the engine.
        from pyspark.sql import SparkSession  # noqa: PLC0415
    except ImportError:
        raise EngineError(
            "CITYSTAT_WAREHOUSE names Spark, but pyspark is not installed; "
            "install citystat with the [spark] extra (pip install 'citystat[spark]')."
        ) from None
    with _sessions_lock:
        session = _sessions.get(master)
        if session is None:
            builder = SparkSession.builder.master(master).appName("citystat")
            for key, value in {**DEFAULT_SETTINGS, **settings}.items():
                builder = builder.config(key, value)
            try:
                session = builder.getOrCreate()
            except Exception as error:  # noqa: BLE001 — Java missing, bad master: all fatal here
                raise EngineError(
                    f"cannot start Spark at {master!r} ({type(error).__name__}: "
                    f"{str(error).strip().splitlines()[0][:200]}); check that Java 17 is "
                    "installed and the master URL in CITYSTAT_WAREHOUSE."
                ) from None
            # Spark's own INFO lines would drown citystat's logs; its errors still show.
            session.sparkContext.setLogLevel("ERROR")
            _sessions[master] = session
    return session


def spark_errors() -> tuple[type[Exception], ...]:
    try:
        # The [spark] extra's errors, when it is installed (see spark_session()).
        from py4j.protocol import Py4JError  # noqa: PLC0415
        from pyspark.errors import PySparkException  # noqa: PLC0415
    except ImportError:
        return ()
    return (PySparkException, Py4JError)


class SparkReadSession(Session):
    spark: SparkSession
    views: set[str]

    def relation(self, slug: str) -> str:
        name = super().relation(slug)
        if name not in self.views:
            path = self.engine.version_file(slug, self.published[slug])
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
            self.views.add(name)
        return name

    def version_table(self, slug: str, number: int) -> ir.Table:
        name = version_relation(slug, number)
        if name not in self.views:
            path = self.engine.version_file(slug, number)
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
            self.views.add(name)
        return self.backend.table(name)

    def query(self, sql: str, timeout: float) -> QueryResult:
        context = self.spark.sparkContext
        group = f"citystat-{uuid.uuid4().hex}"
        expired = threading.Event()

        def cancel() -> None:
            expired.set()
            context.cancelJobGroup(group)

        context.setJobGroup(group, "citystat query", interruptOnCancel=True)
        timer = threading.Timer(timeout, cancel)
        timer.start()
        try:
            frame = self.spark.sql(sql)
            rows = [tuple(row) for row in frame.collect()]
        except Exception as error:  # noqa: BLE001 — py4j and pyspark raise many kinds
            if expired.is_set():
                raise QueryTimeout(f"the query ran longer than {timeout:.0f} seconds") from None
            raise QueryFailed(type(error).__name__) from None
        finally:
            timer.cancel()
            # Spark removes a local property set to null; PySpark's hint allows only str.
            context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
        fields = frame.schema.fields
        return QueryResult(
            [field.name for field in fields],
            [field.dataType.simpleString().upper() for field in fields],
            rows,
        )


class SparkEngine(Engine):
    name = "pyspark"
    dialect = "spark"
    title = "Spark"

    def __init__(self, location: str, files: Path) -> None:
        super().__init__(location, files)
        self.errors = spark_errors()
        rest = location.removeprefix("pyspark://")
        self.master, _, query = rest.partition("?")
        if not self.master:
            raise EngineError(
                f"CITYSTAT_WAREHOUSE={location!r} names no Spark master; use "
                "pyspark://local[2] (Spark in this process) or pyspark://spark://HOST:7077."
            )
        self.settings = dict(parse_qsl(query))
        self.views: set[str] = set()
        self.backend: Any = None

    def describe(self) -> str:
        return f"Spark (master {self.master}) over the Parquet files in {self.files}"

    def spark_file(self, slug: str, number: int) -> Path:
        return self.files / slug / f"v{number}.spark.parquet"

    def version_file(self, slug: str, number: int) -> Path:
        adapted = self.spark_file(slug, number)
        return adapted if adapted.is_file() else super().version_file(slug, number)

    def store_version(self, slug: str, number: int, parquet: Path) -> None:
        """Give Spark a copy with time-of-day columns as text, if the version has any.

        Spark has no time-of-day type (it refuses Parquet's TIME), so on Spark such a
        column reads as 'HH:MM:SS' text; every other column is the version file itself.
        """
        with duckdb.connect(":memory:") as connection:
            found = connection.execute(
                # Not `like 'TIME_%'`: "_" matches any character, and TIMESTAMP_MICROS
                # (every datetime column) would turn into text too.
                "select name from parquet_schema(?) where logical_type like 'TimeType%' "
                "or converted_type in ('TIME_MILLIS', 'TIME_MICROS')",
                [str(parquet)],
            ).fetchall()
            times = [row[0] for row in found]
            if not times:
                return
            replaced = ", ".join(
                f"cast({quote_identifier(name)} as varchar) as {quote_identifier(name)}"
                for name in times
            )
            target = self.spark_file(slug, number)
            partial = target.with_suffix(".part")
            quoted = "'" + str(partial).replace("'", "''") + "'"
            connection.execute(
                f"copy (select * replace ({replaced}) from read_parquet(?)) "
                f"to {quoted} (format parquet, compression snappy)",
                [str(parquet)],
            )
        os.replace(partial, target)

    def drop_version(self, slug: str, number: int) -> None:
        self.spark_file(slug, number).unlink(missing_ok=True)
        name = version_relation(slug, number)
        if name in self.views:
            self.views.discard(name)
            spark_session(self.master, self.settings).catalog.dropTempView(name)

    @contextmanager
    def session(self, published: dict[str, int]) -> Iterator[Session]:
        spark = spark_session(self.master, self.settings)
        if self.backend is None:
            self.backend = ibis.pyspark.connect(spark)
        session = SparkReadSession(self, self.backend, published)
        session.spark, session.views = spark, self.views
        yield session
