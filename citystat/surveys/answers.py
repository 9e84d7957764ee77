"""Reading survey answers through the warehouse engine, as Ibis expressions.

Every survey statistic reads the published answers here, through the configured engine's
session (catalog.engines), so the survey pages compute on DuckDB, PostgreSQL or Spark
alike. Column names come from a checked SurveyDefinition; values are Ibis literals,
never text pasted into SQL.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from citystat.catalog.engines import Session
from citystat.surveys.definition import SurveyDefinition

WAVE, GROUP, WEIGHT = "__wave", "__group", "__w"


def answers_table(session: Session, definition: SurveyDefinition) -> ir.Table:
    return session.table(definition.dataset)


def rows(session: Session, expression: ir.Table) -> list[dict[str, Any]]:
    """Run `expression` on the session's engine; return its rows as dicts of Python values."""
    return session.backend.to_pyarrow(expression).to_pylist()  # type: ignore[no-any-return]


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
