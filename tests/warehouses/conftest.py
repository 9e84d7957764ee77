"""Warehouses on a real PostgreSQL server and on Spark in local mode, for the engine tests.

These tests sit outside the citystat package because they cross its layers (a load in the
catalog, answers from the API, values from the plan), which no app's own tests may import.

PostgreSQL: the server named by CITYSTAT_TEST_POSTGRES_URL (CI starts one); each test
gets a fresh database `citystat_wh_<random>`, dropped afterwards. Spark: one local
SparkSession for the whole test session (its JVM takes 15–30 s to start).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

# The catalog's own 311 dataset, created and not yet loaded.
from citystat.catalog.tests.conftest import requests_dataset  # noqa: F401

SPARK_URL = "pyspark://local[2]"


def postgres_server() -> str | None:
    return os.environ.get("CITYSTAT_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """Create a new, empty PostgreSQL database; yield its URL; drop it afterwards."""
    server = postgres_server()
    if not server:
        pytest.skip("CITYSTAT_TEST_POSTGRES_URL is not set (CI sets it; .ci/run starts the server)")
    name = f"citystat_wh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


@pytest.fixture
def postgres_warehouse(settings, tmp_path, postgres_database) -> str:
    """Point CITYSTAT_WAREHOUSE at a new, empty PostgreSQL database; return its URL."""
    settings.CITYSTAT_WAREHOUSE = postgres_database
    settings.CITYSTAT_WAREHOUSE_FILES = str(tmp_path / "versions")
    return postgres_database


@pytest.fixture(scope="session")
def spark_available(tmp_path_factory) -> None:
    """Start the session's one local Spark and let it read a file once.

    The first query of a new JVM compiles Spark's own code (several seconds on a busy
    machine), which is not what the tests time; SODA's 10-second limit stays as it is.
    """
    if shutil.which("java") is None:
        pytest.fail("Spark tests need Java 17 (.ci/run installs default-jre-headless)")
    pytest.importorskip("pyspark", reason="install the [spark] extra")
    # Imported here: the Spark engine needs the optional [spark] extra, skipped above.
    from citystat.catalog.engines.spark_engine import DEFAULT_SETTINGS, spark_session  # noqa: PLC0415

    spark = spark_session(SPARK_URL.removeprefix("pyspark://"), {})
    assert (
        spark.conf.get("spark.sql.shuffle.partitions")
        == DEFAULT_SETTINGS["spark.sql.shuffle.partitions"]
    )
    folder = tmp_path_factory.mktemp("spark-warm-up")
    frame = spark.createDataFrame([(1, "a"), (2, "b")], ["n", "s"])
    frame.write.parquet(str(folder / "warm"))
    spark.read.parquet(str(folder / "warm")).groupBy("s").count().collect()


@pytest.fixture
def spark_url(spark_available) -> str:
    """Return the CITYSTAT_WAREHOUSE value of the session's local Spark."""
    return SPARK_URL


@pytest.fixture
def spark_warehouse(settings, tmp_path, spark_available) -> str:
    """Point CITYSTAT_WAREHOUSE at Spark in local mode (one JVM for every test)."""
    settings.CITYSTAT_WAREHOUSE = SPARK_URL
    settings.CITYSTAT_WAREHOUSE_FILES = str(tmp_path / "versions")
    return SPARK_URL


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark's Python bridge (py4j) drops connections to the JVM for the garbage collector
    to close, which reports each as an unclosed socket: py4j's to fix, not ours. Only the
    Spark tests, which run in their own pass (`make test`), are excused, so an unclosed
    file or socket of citystat's still fails every other test."""
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )
