"""Frictionless Table Schema → warehouse column types and typed, checked SQL expressions.

Expressions are assembled from quoted identifiers and bound parameters only; no value
from a file or a person is ever pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citystat.catalog.warehouse import quote_identifier

FIELD_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "year": "INTEGER",
}
# US-style dates as real portals write them; two-digit years first, because '%Y' would
# read '1/7/20' as the year 20.
US_DATE_FORMATS = ["%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"]
US_DATETIME_FORMATS = [
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%g",
    "%Y-%m-%d",
]
TIME_FORMATS = ["%I:%M %p", "%I:%M:%S %p", "%H:%M:%S", "%H:%M"]
DEFAULT_TRUE = ["true", "True", "TRUE", "1", "Y", "y", "yes", "Yes", "YES"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0", "N", "n", "no", "No", "NO"]


class SchemaError(ValueError):
    pass


@dataclass
class TypedColumn:
    """How one schema field is read from its raw text column."""

    name: str
    field_type: str
    sql_type: str
    expression: str
    parameters: list[Any] = field(default_factory=list)
    expected: str = ""


def validate_schema(schema: dict) -> list[dict]:
    """Return the schema's fields, or raise SchemaError naming what is wrong."""
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not fields:
        raise SchemaError("the Table Schema has no 'fields' list.")
    seen: set[str] = set()
    for index, spec in enumerate(fields):
        name = spec.get("name") if isinstance(spec, dict) else None
        if not isinstance(name, str) or not name:
            raise SchemaError(f"field {index} has no name.")
        if name in seen:
            raise SchemaError(f"field {name!r} appears twice.")
        seen.add(name)
        field_type = spec.get("type", "string")
        if field_type not in FIELD_TYPES:
            raise SchemaError(
                f"field {name!r} has type {field_type!r}; "
                f"expected one of {', '.join(sorted(FIELD_TYPES))}."
            )
    for key in primary_key(schema):
        if key not in seen:
            raise SchemaError(f"primaryKey names {key!r}, which is not a field.")
    return fields


def primary_key(schema: dict) -> list[str]:
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def typed_column(spec: dict, raw_column: str) -> TypedColumn:
    """Return the expression that turns raw text column `raw_column` into `spec`'s type."""
    name = spec["name"]
    field_type = spec.get("type", "string")
    field_format = spec.get("format", "default")
    raw = f"nullif(trim({quote_identifier(raw_column)}), '')"
    sql_type = FIELD_TYPES[field_type]
    if field_type == "string":
        return TypedColumn(name, field_type, sql_type, raw, [], "text")
    if field_type in ("integer", "year"):
        # Some exports write whole numbers as floats ('64101.0').
        expression = (
            f"coalesce(try_cast({raw} as {sql_type}), "
            f"case when try_cast({raw} as double) = floor(try_cast({raw} as double)) "
            f"then try_cast(try_cast({raw} as double) as {sql_type}) end)"
        )
        return TypedColumn(name, field_type, sql_type, expression, [], "a whole number")
    if field_type == "number":
        expression = f"try_cast(replace(replace({raw}, ',', ''), '$', '') as double)"
        return TypedColumn(name, field_type, sql_type, expression, [], "a number")
    if field_type == "boolean":
        true_values = spec.get("trueValues", DEFAULT_TRUE)
        false_values = spec.get("falseValues", DEFAULT_FALSE)
        expression = f"case when {raw} in ? then true when {raw} in ? then false end"
        expected = f"one of {', '.join(true_values + false_values)}"
        return TypedColumn(
            name, field_type, sql_type, expression, [true_values, false_values], expected
        )
    formats = _formats_for(field_type, field_format)
    expression = f"try_strptime({raw}, ?)::{sql_type}"
    return TypedColumn(
        name, field_type, sql_type, expression, [formats], f"a {field_type} like {formats[0]}"
    )


def _formats_for(field_type: str, field_format: str) -> list[str]:
    if field_format not in ("default", "any", None):
        return [field_format]
    if field_type == "date":
        return ["%Y-%m-%d"] if field_format == "default" else US_DATE_FORMATS
    if field_type == "time":
        return ["%H:%M:%S"] if field_format == "default" else TIME_FORMATS
    return (
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%g", "%Y-%m-%d %H:%M:%S"]
        if (field_format == "default")
        else US_DATETIME_FORMATS
    )


def constraint_checks(spec: dict, typed: str) -> list[tuple[str, list[Any], str]]:
    """Return (SQL condition that is true when violated, parameters, what was expected)."""
    constraints = spec.get("constraints") or {}
    checks: list[tuple[str, list[Any], str]] = []
    if constraints.get("required"):
        checks.append((f"{typed} is null", [], "a value (the field is required)"))
    if "enum" in constraints:
        values = [str(value) for value in constraints["enum"]]
        checks.append(
            (f"{typed} is not null and {typed}::varchar not in ?", [values], f"one of {values}")
        )
    if "minimum" in constraints:
        checks.append((f"{typed} < ?", [constraints["minimum"]], f"≥ {constraints['minimum']}"))
    if "maximum" in constraints:
        checks.append((f"{typed} > ?", [constraints["maximum"]], f"≤ {constraints['maximum']}"))
    if "pattern" in constraints:
        checks.append(
            (
                f"{typed} is not null and not regexp_full_match({typed}::varchar, ?)",
                [constraints["pattern"]],
                f"text matching {constraints['pattern']}",
            )
        )
    return checks
