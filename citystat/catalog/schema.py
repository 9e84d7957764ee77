"""Frictionless Table Schema → warehouse column types and typed, checked SQL expressions.

Expressions are assembled from quoted identifiers and bound parameters only; no value
from a file or a person is ever pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citystat.catalog.status_groups import StatusGroupError, check_groups
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
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d",
]
# Datetime spellings a draft recognises and a date field's rejects are compared with, most
# specific first: 12-hour US times as many 311 exports write them, then 24-hour and ISO.
DATETIME_FORMATS = [
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
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


def validate_schema(schema: dict[str, Any]) -> list[dict[str, Any]]:
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
        try:
            check_groups(spec)
        except StatusGroupError as error:
            raise SchemaError(str(error)) from None
    for key in primary_key(schema):
        if key not in seen:
            raise SchemaError(f"primaryKey names {key!r}, which is not a field.")
    return fields


def header_key(name: str) -> str:
    """Return a column name as compared with field names: letters and digits, casefolded."""
    return "".join(character for character in name.casefold() if character.isalnum())


def primary_key(schema: dict[str, Any]) -> list[str]:
    """Return the schema's primary key as a list of field names."""
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def unique_keys(schema: dict[str, Any]) -> list[list[str]]:
    """Return every set of fields whose values must not repeat: the key, then unique fields."""
    keys = [primary_key(schema)] if primary_key(schema) else []
    for spec in schema.get("fields", []):
        if (spec.get("constraints") or {}).get("unique") and [spec["name"]] not in keys:
            keys.append([spec["name"]])
    return keys


def typed_column(
    spec: dict[str, Any], raw_column: str, preferred_format: str | None = None
) -> TypedColumn:
    """Return the expression that turns raw text column `raw_column` into `spec`'s type.

    `preferred_format` is the date format a sample of this file uses; it is tried first
    so that the usual value costs one parse, and the other formats only on a miss.
    """
    name = spec["name"]
    field_type = spec.get("type", "string")
    field_format = spec.get("format", "default")
    raw = f"nullif({quote_identifier(raw_column)}, '')"
    sql_type = FIELD_TYPES[field_type]
    if field_type == "string":
        return TypedColumn(name, field_type, sql_type, raw, [], "text")
    if field_type in ("integer", "year"):
        # DuckDB's cast reads '64101.0' (some exports write whole numbers as floats) and
        # ignores surrounding spaces; raw_checks() refuses '64101.5', which it would round.
        expression = f"try_cast({raw} as {sql_type})"
        return TypedColumn(name, field_type, sql_type, expression, [], "a whole number")
    if field_type == "number":
        # Only a value the plain cast misses pays for stripping '$' and thousands commas.
        expression = (
            f"coalesce(try_cast({raw} as double), "
            f"try_cast(replace(replace({raw}, ',', ''), '$', '') as double))"
        )
        return TypedColumn(name, field_type, sql_type, expression, [], "a number")
    trimmed = f"nullif(trim({quote_identifier(raw_column)}), '')"
    if field_type == "boolean":
        true_values = spec.get("trueValues", DEFAULT_TRUE)
        false_values = spec.get("falseValues", DEFAULT_FALSE)
        expression = (
            f"case when list_contains(?, {trimmed}) then true "
            f"when list_contains(?, {trimmed}) then false end"
        )
        expected = f"one of {', '.join(true_values + false_values)}"
        return TypedColumn(
            name, field_type, sql_type, expression, [true_values, false_values], expected
        )
    formats = _formats_for(field_type, field_format)
    if preferred_format and preferred_format in formats[:1]:
        expression = f"coalesce(try_strptime({trimmed}, ?), try_strptime({trimmed}, ?))::{sql_type}"
        parameters: list[Any] = [preferred_format, formats]
    elif preferred_format and is_four_digit_twin(preferred_format, formats):
        # '%m/%d/%Y' reads '1/8/20' as the year 20 where the list's '%m/%d/%y' reads 2020;
        # a year of 100 or more proves no earlier format could have read the value.
        first = f"try_strptime({trimmed}, ?)"
        expression = (
            f"coalesce(case when year({first}) >= 100 then {first} end, "
            f"try_strptime({trimmed}, ?))::{sql_type}"
        )
        parameters = [preferred_format, preferred_format, formats]
    else:
        expression = f"try_strptime({trimmed}, ?)::{sql_type}"
        parameters = [formats]
    return TypedColumn(
        name, field_type, sql_type, expression, parameters, f"a {field_type} like {formats[0]}"
    )


def is_four_digit_twin(preferred: str, formats: list[str]) -> bool:
    """Say whether `preferred` is the second format and the first is it with a 2-digit year."""
    return formats[1:2] == [preferred] and formats[0] == preferred.replace("%Y", "%y")


def date_formats(spec: dict[str, Any]) -> list[str]:
    """Return the formats a date, time or datetime field accepts, or [] for other types."""
    field_type = spec.get("type", "string")
    if field_type not in ("date", "datetime", "time"):
        return []
    return _formats_for(field_type, spec.get("format", "default"))


def raw_checks(spec: dict[str, Any], raw: str, typed: str) -> list[tuple[str, list[Any], str]]:
    """Return the checks that compare raw text with its typed value (what did not parse)."""
    column = typed_column(spec, "x")
    if column.field_type == "string":
        return []
    # The rare case first: most values typed fine, so the trim runs on almost none.
    present = f"{raw} is not null and trim({raw}) <> ''"
    checks: list[tuple[str, list[Any], str]] = [
        (f"{typed} is null and {present}", [], column.expected)
    ]
    if column.field_type in ("integer", "year"):
        checks.append(
            (
                f"{typed} is not null and contains({raw}, '.') "
                f"and try_cast({raw} as double) <> {typed}",
                [],
                column.expected,
            )
        )
    return checks


def _formats_for(field_type: str, field_format: str) -> list[str]:
    if field_format not in ("default", "any", None):
        return [field_format]
    if field_type == "date":
        return ["%Y-%m-%d"] if field_format == "default" else US_DATE_FORMATS
    if field_type == "time":
        return ["%H:%M:%S"] if field_format == "default" else TIME_FORMATS
    return (
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]
        if (field_format == "default")
        else US_DATETIME_FORMATS
    )


def constraint_checks(spec: dict[str, Any], typed: str) -> list[tuple[str, list[Any], str]]:
    """Return (SQL condition that is true when violated, parameters, what was expected)."""
    constraints = spec.get("constraints") or {}
    checks: list[tuple[str, list[Any], str]] = []
    if constraints.get("required"):
        checks.append((f"{typed} is null", [], "a value (the field is required)"))
    if "enum" in constraints:
        values = [str(value) for value in constraints["enum"]]
        checks.append(
            (
                f"{typed} is not null and not list_contains(?, {typed}::varchar)",
                [values],
                f"one of {', '.join(values)}",
            )
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
