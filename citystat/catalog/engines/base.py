"""What every warehouse engine offers the rest of citystat.

A load always ends in an immutable Parquet file per version (catalog.load); an engine
then makes that version readable where it computes (`store_version`) before the app
database's pointer is switched (catalog.versions.publish). Readers open a `Session`,
which fixes the published version of every dataset for its whole life, so one page or
one `citystat compute` never mixes two versions of a dataset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlglot import exp

from citystat.catalog.models import validate_dataset_slug
from citystat.lib.errors import CitystatError

# PostgreSQL truncates identifiers past 63 bytes; Spark and DuckDB accept longer ones.
MAX_RELATION_LENGTH = 63


class EngineError(CitystatError):
    """The warehouse engine cannot be reached or refused the configuration."""


class QueryTimeout(CitystatError):
    """A query ran past its time limit and was stopped."""


class QueryFailed(CitystatError):
    """The engine refused a query; the message names the kind of error, not the SQL."""


@dataclass
class QueryResult:
    names: list[str]
    # The engine's own type names ("BIGINT", "double precision", "timestamp"), upper-cased.
    types: list[str]
    rows: list[tuple[Any, ...]]


def version_relation(slug: str, number: int) -> str:
    """Return the engine relation that holds version `number` of dataset `slug`.

    `service-requests` v3 is `service_requests__v3`; a name longer than PostgreSQL
    keeps is shortened with a hash so two long slugs never share a table.
    """
    validate_dataset_slug(slug)
    name = f"{slug.replace('-', '_')}__v{number}"
    if len(name) <= MAX_RELATION_LENGTH:
        return name
    digest = hashlib.sha256(slug.encode()).hexdigest()[:10]
    suffix = f"_{digest}__v{number}"
    return slug.replace("-", "_")[: MAX_RELATION_LENGTH - len(suffix)] + suffix


class Session:
    """One reader's view of the warehouse: an Ibis backend and the published relations."""

    def __init__(self, engine: Engine, backend: Any, published: dict[str, int]) -> None:
        self.engine = engine
        self.backend = backend
        self.published = published  # slug → published version number, fixed at open

    def relation(self, slug: str) -> str:
        """Return the unquoted name under which `backend.table()` finds the dataset."""
        number = self.published.get(slug)
        if number is None:
            raise EngineError(f"dataset {slug!r} has no published version.")
        return version_relation(slug, number)

    def table(self, slug: str) -> ir.Table:
        return self.backend.table(self.relation(slug))

    def version_table(self, slug: str, number: int) -> ir.Table:
        """Return any stored version of a dataset, published or not (a diff reads two)."""
        return self.backend.table(version_relation(slug, number))

    def sql_table(self, slug: str) -> exp.Table:
        """Return the dataset's relation as a sqlglot node, quoted for any dialect."""
        return relation_node(self.relation(slug))

    def query(self, sql: str, timeout: float) -> QueryResult:
        """Run checked SQL written in this engine's dialect; stop it after `timeout` seconds."""
        raise NotImplementedError

    def arrow_batches(self, slug: str, columns: list[str]) -> pa.RecordBatchReader:
        """Stream `columns` of the dataset's published rows, in batches of bounded size."""
        expression = self.table(slug).select(*columns)
        return self.backend.to_pyarrow_batches(expression, chunk_size=50_000)


class Engine:
    """A place where published datasets are read and measures are computed."""

    name = "engine"  # the Ibis backend's name: duckdb, postgres, pyspark
    dialect = "duckdb"  # the sqlglot dialect its SQL is written in
    title = "Engine"  # for people: "PostgreSQL", "Spark"
    # What the engine's driver raises for a query it refuses (a measure that fails on it
    # is reported and the others go on: plan.compute.run).
    errors: tuple[type[Exception], ...] = ()

    def __init__(self, location: str, files: Path) -> None:
        self.location = location
        self.files = files  # the folder of version Parquet files every load writes

    def describe(self) -> str:
        """Say where the warehouse is without naming a password."""
        return self.title

    def store_version(self, slug: str, number: int, parquet: Path) -> None:
        """Make a finished version file readable by this engine (before it is published)."""

    def drop_version(self, slug: str, number: int) -> None:
        """Remove what `store_version` added for a version that is pruned or failed."""

    def has_version(self, slug: str, number: int) -> bool:
        return self.version_file(slug, number).is_file()

    def version_file(self, slug: str, number: int) -> Path:
        return self.files / slug / f"v{number}.parquet"

    @contextmanager
    def session(self, published: dict[str, int]) -> Iterator[Session]:
        raise NotImplementedError
        yield  # pragma: no cover

    def check(self) -> None:
        """Raise EngineError unless the engine answers a trivial query."""
        with self.session({}) as session:
            session.query("select 1", timeout=10)

    def compile(self, expression: ir.Expr) -> str:
        """Return the SQL this engine would run for `expression` (no connection needed)."""
        return str(ibis.to_sql(expression, dialect=self.name))


def relation_node(relation: str) -> exp.Table:
    """Return a relation's name (Session.relation) as a sqlglot node, quoted for any dialect."""
    return exp.Table(this=exp.to_identifier(relation, quoted=True))
