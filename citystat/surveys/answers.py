"""Reading survey answers through the warehouse engine, as Ibis expressions.

Every survey statistic reads the published answers here, through the configured engine's
session (catalog.engines), so the survey pages compute on DuckDB, PostgreSQL or Spark
alike. Column names come from a checked SurveyDefinition; values are Ibis literals,
never text pasted into SQL.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.formats.pyarrow import PyArrowData

from citystat.catalog.engines import Session
from citystat.catalog.engines.duckdb_engine import DuckDBSession
from citystat.catalog.models import Dataset
from citystat.lib import survey_shares
from citystat.plan.compute.compiled import keep_statements, kept_statements, key_of
from citystat.surveys.definition import SurveyDefinition

WAVE, GROUP, WEIGHT = "__wave", "__group", "__w"
# The modules whose expressions `answer` keeps compiled.
SURVEY_MODULES = ("answers", "ratings", "employee", "focus", "waves", "evidence", "budget")


def answers_table(session: Session, definition: SurveyDefinition) -> ir.Table:
    return session.table(definition.dataset)


def answer(
    session: Session, dataset: str, inputs: dict[str, Any], build: Callable[[], ir.Table]
) -> pa.Table:
    """Run the expression `build` makes from `dataset` on the session's engine.

    Building and compiling an Ibis expression costs more than the warehouse takes to
    answer it, so the SQL is kept (plan.compute.compiled) under a key of everything it
    is made from: `inputs` (the definition and arguments), the dataset's published
    version and column types, the engine, and the code of the survey modules.
    """
    key = key_of(
        {
            "survey": inputs,
            "dataset": dataset,
            "version": session.published.get(dataset),
            # The Table Schema types the columns the expression was compiled against.
            "schema": Dataset.objects.filter(slug=dataset)
            .values_list("table_schema", flat=True)
            .first(),
            "survey code": code_fingerprint(),
        },
        # The engine's name is its Ibis backend's; the backend itself is made only to compile.
        session.engine,
    )
    statements = kept_statements(key)
    if statements is None:
        expression = build()
        statements = [
            (
                dataset,
                session.backend.compile(expression),
                {name: str(kind) for name, kind in expression.schema().items()},
            )
        ]
        keep_statements(key, statements)
    [(_, sql, schema)] = statements
    kept = ibis.schema(schema)
    if isinstance(session, DuckDBSession):
        # Straight to the session's cursor: no Ibis backend to make, no SQL to parse again.
        return PyArrowData.convert_table(session.connection.sql(sql).to_arrow_table(), kept)
    return session.backend.to_pyarrow(session.backend.sql(sql, schema=kept))


def rows(
    session: Session, dataset: str, inputs: dict[str, Any], build: Callable[[], ir.Table]
) -> list[dict[str, Any]]:
    """`answer`'s rows as dicts of Python values."""
    return answer(session, dataset, inputs, build).to_pylist()  # type: ignore[no-any-return]


@functools.cache
def code_fingerprint() -> str:
    """A digest of the code that builds survey expressions, so an edit compiles afresh."""
    here = Path(__file__).parent
    files = [here / f"{name}.py" for name in SURVEY_MODULES] + [Path(survey_shares.__file__)]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def as_text(column: ir.Value) -> ir.StringValue:
    """A wave or group label as text, whatever type the file gave it."""
    if column.type().is_string():
        return column  # type: ignore[return-value]
    return column.cast("string")  # type: ignore[return-value]


def as_number(column: ir.Value, to: str) -> ir.NumericValue:
    """An answer code or weight as a number; a value that is not one reads as no answer."""
    if column.type() == ibis.dtype(to):
        return column  # type: ignore[return-value]
    return column.try_cast(to)  # type: ignore[return-value]


def wave_of(table: ir.Table, definition: SurveyDefinition) -> ir.StringValue:
    return as_text(table[definition.wave])


def weight_of(table: ir.Table, definition: SurveyDefinition) -> ir.FloatingValue:
    """Each respondent's weight; without a weight column, or without a weight, 1."""
    if not definition.weight:
        return ibis.literal(1.0, type="float64")  # type: ignore[return-value]
    return as_number(table[definition.weight], "float64").coalesce(1.0)  # type: ignore[return-value]


def in_wave(table: ir.Table, definition: SurveyDefinition, wave: str | None) -> ir.Table:
    """Keep the answers of one wave (all of them when `wave` is None)."""
    if wave is None:
        return table
    return table.filter(wave_of(table, definition) == ibis.literal(wave, type="string"))


def check_group(definition: SurveyDefinition, by: str | None) -> None:
    if by is not None and by not in definition.columns():
        raise ValueError(f"{by!r} is not a column of survey {definition.slug!r}")


def base(
    table: ir.Table, definition: SurveyDefinition, by: str | None, wave: str | None
) -> ir.Table:
    """Return the answers of `wave` with their wave label, group label (when grouped by
    `by`) and weight beside the survey's own columns."""
    check_group(definition, by)
    table = in_wave(table, definition, wave)
    columns: dict[str, ir.Value] = {
        WAVE: wave_of(table, definition),
        WEIGHT: weight_of(table, definition),
    }
    if by is not None:
        columns[GROUP] = as_text(table[by])
    return table.mutate(**columns)


def keys(by: str | None) -> list[str]:
    return [WAVE, GROUP] if by is not None else [WAVE]
