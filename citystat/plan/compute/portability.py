"""Which measures the configured warehouse engine can compute, known before any page view.

Each measure's spec is compiled to the engine's SQL against tables made from the datasets'
Table Schemas, with no connection: Ibis refuses an operation the engine lacks (Trino and
BigQuery have no exact median, for instance), and that refusal is reported by
`citystat check --database` (and `citystat migrate`), not by the measure page.
"""

from __future__ import annotations

import contextlib
from typing import Any

import ibis
import ibis.common.exceptions as ibis_errors
from django.core import checks
from django.db import DatabaseError

from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.lib.errors import CitystatError
from citystat.plan.compute.engine import Context, backlog_expressions, grouped_expressions
from citystat.plan.compute.kinds import BacklogSpec, MeasureSpec, uses_measures
from citystat.plan.compute.run import checked_spec, city_context
from citystat.plan.models import Measure

# Table Schema field types as Ibis types (catalog.schema gives DuckDB the same ones).
IBIS_TYPES = {
    "integer": "int64",
    "number": "float64",
    "year": "int64",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "string": "string",
}


class SchemaTables:
    """Stands in for a warehouse connection: a table per dataset schema, and nothing runs."""

    def __init__(self, table_schema: dict[str, Any]) -> None:
        self.schema = {
            spec["name"]: IBIS_TYPES.get(spec.get("type", "string"), "string")
            for spec in table_schema.get("fields", [])
        }

    def table(self, relation: str) -> ibis.Table:
        return ibis.table(self.schema, name=relation)


def missing_operation(
    spec: MeasureSpec, table_schema: dict[str, Any], context: Context, dialect: str
) -> str | None:
    """Return what `dialect` lacks to compute `spec` (None if it has everything)."""
    # Loading the backend registers its options, which its compiler reads (pyspark's
    # does); a backend whose driver is not installed still compiles without them.
    with contextlib.suppress(Exception):
        getattr(ibis, dialect)
    if uses_measures(spec):
        # Built from other measures' values: no single table to compile against; its
        # parts are checked as the measures they are.
        return None
    tables = SchemaTables(table_schema)
    try:
        if isinstance(spec, BacklogSpec):
            expressions = [
                expression
                for _breakdown, opened, closed in backlog_expressions(tables, "t", spec, context)
                for expression in (opened, closed)
            ]
        else:
            expressions = [e for _b, e in grouped_expressions(tables, "t", spec, context)]
        for expression in expressions:
            ibis.to_sql(expression, dialect=dialect)
    except (ibis_errors.OperationNotDefinedError, ibis_errors.UnsupportedOperationError) as error:
        return str(error).splitlines()[0]
    except (ibis_errors.IbisError, CitystatError):
        # A spec built from other measures' values has no single table to compile against;
        # its parts are checked as the measures they are.
        return None
    return None


def measures_an_engine_cannot_compute(dialect: str) -> dict[str, str]:
    """Return {measure slug: what is missing} for the plan's measures on Ibis `dialect`."""
    context = city_context()
    schemas = dict(Dataset.objects.values_list("slug", "table_schema"))
    found = {}
    for measure in Measure.objects.exclude(spec={}).order_by("slug"):
        if measure.is_manual or measure.spec.get("dataset") not in schemas:
            continue  # typed-in values, ratios of other measures, or not yet loaded
        try:
            spec = checked_spec(measure, context)
        except CitystatError:
            continue  # a broken spec is reported where it is edited and by `citystat compute`
        missing = missing_operation(spec, schemas[spec.dataset], context, dialect)
        if missing:
            found[measure.slug] = missing
    return found


def warehouse_computes_every_measure(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Refuse a warehouse engine that lacks an operation a measure of the plan needs.

    It compiles every measure (seconds on a large plan), so, like Django's own database
    checks, it runs only when a database is named: `citystat check --database default`
    and `citystat migrate`, never before every command.
    """
    if not databases:
        return []
    try:
        engine = engines.current()
        missing = measures_an_engine_cannot_compute(engine.name)
    except engines.EngineError:
        return []  # catalog.checks reports a setting it cannot use
    except DatabaseError:
        return []  # no tables yet (before the first `citystat migrate`): no measures
    return [
        checks.Error(
            f"measure {slug!r} cannot be computed on {engine.title}: {why}.",
            hint="Change the measure's aggregate (e.g. mean instead of median) or keep it on "
            "an engine that has the operation; docs/warehouses.md lists what each lacks.",
            id="citystat.E102",
        )
        for slug, why in missing.items()
    ]
