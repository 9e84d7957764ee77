"""CKAN's DataStore read actions over a public dataset, compiled by the SoQL compiler.

`datastore_search` turns its parameters into SoQL clause trees (never text), and
`datastore_search_sql` hands its SELECT to SoQL's own `$query` parser once the one
`FROM "<resource id>"` is taken off. Either way the query meets the same checks as a
SODA query: only public columns, rebuilt from an allow-list, so a withheld column is
refused as "no such column", exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from citystat.api.ckan_parameters import ActionError
from citystat.api.soda import QueryBudget, SodaResult, execute, four_by_four
from citystat.api.soql import (
    Clauses,
    Column,
    SoqlError,
    columns_from_schema,
    compile_clauses,
    parse_parameters,
)
from citystat.catalog import engines, exports
from citystat.catalog.models import Dataset
from citystat.catalog.schema import primary_key

DEFAULT_LIMIT = 100
# CKAN's `ckan.datastore.search.rows_max` default: the most records one answer holds.
ROWS_MAX = 32_000
# DataStore column types for Table Schema types.
DATASTORE_TYPES = {
    "string": "text",
    "integer": "int",
    "year": "int",
    "number": "numeric",
    "boolean": "bool",
    "date": "timestamp",
    "datetime": "timestamp",
    "time": "time",
}
SEARCH_PARAMETERS = {"resource_id", "id", "filters", "q", "limit", "offset", "sort", "fields",
                     "include_total", "records_format", "distinct", "plain", "language",
                     "full_text"}  # fmt: skip


def find_resource(resource_id: Any) -> Dataset:
    """Return the public dataset with data that a resource id (or package id, or slug) names."""
    if not resource_id or not isinstance(resource_id, str):
        raise ActionError("resource_id: Missing value")
    for dataset in Dataset.objects.filter(is_public=True):
        identifier = four_by_four(dataset.slug)
        # A resource id is `<package id>-<extension>`, of a format the dataset offers.
        extension = resource_id.removeprefix(identifier + "-")
        named = resource_id in (dataset.slug, identifier) or (
            extension != resource_id and extension in exports.formats_for(dataset)
        )
        # Nothing published: no resource, as package_show lists none.
        if named and dataset.latest_version is not None:
            return dataset
    raise ActionError(f'Resource "{resource_id[:80]}" was not found.', "Not Found Error", 404)


def no_such_column(name: str) -> ActionError:
    # The same words for a withheld column and one that does not exist.
    return ActionError(f"no such column: {str(name)[:64]}.")


def json_object(raw: Any, name: str) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ActionError(f"{name}: expected a JSON object.") from None
    if not isinstance(raw, dict):
        raise ActionError(f"{name}: expected a JSON object.")
    return raw


def names_list(raw: Any, name: str) -> list[str]:
    """Read `a, b` or ["a", "b"] (CKAN takes both for `fields` and `sort`)."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw]
    raise ActionError(f"{name}: expected a comma-separated list or a list of names.")


def whole(raw: Any, name: str, default: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError(f"{name}: {str(raw)[:20]!r} is not a whole number.") from None
    if isinstance(raw, bool) or not 0 <= value <= high:
        raise ActionError(f"{name}: must be a whole number from 0 to {high:,}.")
    return value


def filter_value(name: str, value: Any) -> str:
    """Return a filter's value as the text SoQL's typed `field=value` filter reads."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list):
        raise ActionError(f"filters: {name}: a list of values is not supported; give one value.")
    raise ActionError(f"filters: {name}: expected a value, not {type(value).__name__}.")


def column_node(name: str) -> exp.Column:
    return exp.Column(this=exp.to_identifier(name, quoted=True))


def run_clauses(dataset: Dataset, clauses: Clauses) -> SodaResult:
    """Compile `clauses` for the dataset's public columns and run them, as SODA does."""
    columns = columns_from_schema(dataset.fields)
    key = [name for name in primary_key(dataset.table_schema) if name in columns]
    withheld = [spec["name"] for spec in dataset.fields if spec["name"] not in columns]
    try:
        with engines.open_session() as session:
            relation = session.sql_table(dataset.slug)
            compiled = compile_clauses(
                clauses, columns, relation, key, session.engine.dialect, withheld
            )
            return execute(compiled, columns, session, QueryBudget())
    except SoqlError as error:
        raise ActionError(str(error)) from None


def count_alias(dataset: Dataset) -> exp.Identifier:
    """Name the row count so that it takes no column's name (SoQL refuses that)."""
    taken = {spec["name"].lower() for spec in dataset.fields}
    name = "total"
    while name in taken:
        name += "_"
    return exp.to_identifier(name)


def record_value(value: Any) -> Any:
    """Return a value as the DataStore writes it in JSON (times in ISO 8601)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def describe_fields(
    names: list[str], columns: dict[str, Column], dataset: Dataset
) -> list[dict[str, Any]]:
    specs = {spec["name"]: spec for spec in dataset.public_fields}
    described = []
    for name in names:
        kind = columns[name].field_type if name in columns else "string"
        entry: dict[str, Any] = {"id": name, "type": DATASTORE_TYPES.get(kind, "text")}
        spec = specs.get(name)
        if spec is not None:
            entry["info"] = {
                "label": spec.get("title", ""),
                "notes": spec.get("description", ""),
                "type_override": "",
            }
        described.append(entry)
    return described


def result_fields(
    result: SodaResult, columns: dict[str, Column], dataset: Dataset
) -> list[dict[str, Any]]:
    """Describe the answer's columns; a computed one takes its type from its values."""
    described = describe_fields(result.names, columns, dataset)
    soda_to_datastore = {"number": "numeric", "checkbox": "bool", "floating_timestamp": "timestamp"}
    for entry, soda_type in zip(described, result.types, strict=True):
        if entry["id"] not in columns:
            entry["type"] = soda_to_datastore.get(soda_type, "text")
    return described


def records(result: SodaResult) -> list[dict[str, Any]]:
    return [
        {name: record_value(value) for name, value in zip(result.names, row, strict=True)}
        for row in result.rows
    ]


def datastore_search(parameters: dict[str, Any]) -> dict[str, Any]:
    """Answer CKAN's datastore_search: filters, q, fields, sort, limit, offset and total."""
    unknown = sorted(name for name in parameters if name not in SEARCH_PARAMETERS)
    if unknown:
        raise ActionError(f"{', '.join(unknown)}: not a datastore_search parameter.")
    for name in ("distinct", "plain", "full_text"):
        if parameters.get(name) not in (None, "", False, "false", "False"):
            raise ActionError(f"{name}: not supported by this DataStore.")
    if parameters.get("records_format") not in (None, "", "objects"):
        raise ActionError("records_format: only 'objects' is supported.")
    dataset = find_resource(parameters.get("resource_id") or parameters.get("id"))
    columns = columns_from_schema(dataset.fields)
    filters = {
        str(name): filter_value(str(name), value)
        for name, value in json_object(parameters.get("filters"), "filters").items()
    }
    for name in filters:
        if name not in columns:
            raise no_such_column(name)
    q = parameters.get("q") or ""
    if not isinstance(q, str):
        raise ActionError("q: searching one field at a time is not supported; give text.")
    names = names_list(parameters.get("fields"), "fields")
    for name in names:
        if name not in columns:
            raise no_such_column(name)
    order = []
    for item in names_list(parameters.get("sort"), "sort"):
        words = item.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if not words or len(words) > 2 or direction not in ("asc", "desc"):
            raise ActionError(f"sort: cannot read {item!r}; write e.g. 'name asc'.")
        if words[0].strip('"') not in columns:
            raise no_such_column(words[0].strip('"'))
        order.append(exp.Ordered(this=column_node(words[0].strip('"')), desc=direction == "desc"))
    limit = whole(parameters.get("limit"), "limit", DEFAULT_LIMIT, ROWS_MAX)
    offset = whole(parameters.get("offset"), "offset", 0, 10**12)
    selected: list[exp.Expression] | None = [column_node(n) for n in names] if names else None
    result = run_clauses(
        dataset,
        Clauses(select=selected, filters=filters, search=q, order=order or None,
                limit=limit, offset=offset),
    )  # fmt: skip
    answer: dict[str, Any] = {
        "resource_id": parameters.get("resource_id") or parameters.get("id"),
        "fields": result_fields(result, columns, dataset),
        "records": records(result),
        "filters": filters,
        "limit": limit,
        "offset": offset,
    }
    if q:
        answer["q"] = q
    if order:
        answer["sort"] = ", ".join(names_list(parameters.get("sort"), "sort"))
    include_total = parameters.get("include_total", True)
    if include_total not in (False, "false", "False", "0"):
        counted = run_clauses(
            dataset,
            Clauses(
                select=[exp.Alias(this=exp.Count(this=exp.Star()), alias=count_alias(dataset))],
                filters=filters, search=q, limit=1,
            ),
        )  # fmt: skip
        answer["total"] = int(counted.rows[0][0])
        answer["total_was_estimated"] = False
    return answer


def datastore_search_sql(parameters: dict[str, Any]) -> dict[str, Any]:
    """Answer a read-only SELECT over one resource, through SoQL's `$query` parser.

    As in CKAN, an answer holds at most ROWS_MAX records and says `records_truncated`
    when the query asked for more; without a LIMIT it is not cut to SoQL's 1,000.
    """
    sql = parameters.get("sql")
    if not sql or not isinstance(sql, str):
        raise ActionError("sql: Missing value")
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except (SqlglotError, RecursionError):
        raise ActionError('sql: could not parse the query; write one SELECT … FROM "id".') from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise ActionError("sql: write exactly one SELECT statement; nothing else can run.")
    tree = statements[0]
    source = tree.args.get("from_")
    if (
        source is None
        or tree.args.get("joins")
        or tree.args.get("with")
        or not isinstance(source.this, exp.Table)
        or source.this.args.get("db")
        or not isinstance(source.this.this, exp.Identifier)
    ):
        raise ActionError('sql: read one resource: SELECT … FROM "<resource id>" …')
    table = source.this
    if table.alias:
        raise ActionError("sql: a resource cannot be given an alias; name columns alone.")
    dataset = find_resource(table.name)
    tree.set("from_", None)
    asked = tree.args.get("limit")
    if asked is None:
        tree = tree.limit(ROWS_MAX + 1)
    try:
        clauses = parse_parameters({"$query": tree.sql(dialect="duckdb")})
    except SoqlError as error:
        raise ActionError(str(error)) from None
    if clauses.limit > ROWS_MAX:
        clauses.limit = ROWS_MAX + 1
    result = run_clauses(dataset, clauses)
    truncated = len(result.rows) > ROWS_MAX
    if truncated:
        result = SodaResult(result.names, result.types, result.rows[:ROWS_MAX])
    columns = columns_from_schema(dataset.fields)
    answer: dict[str, Any] = {
        "sql": sql,
        "fields": result_fields(result, columns, dataset),
        "records": records(result),
    }
    if truncated:
        answer["records_truncated"] = True
    return answer
