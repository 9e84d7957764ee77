"""SoQL, Socrata's query language, compiled to safe warehouse SQL.

Each clause is parsed with sqlglot, then rebuilt node by node from an allow-list: only
the listed functions and operators, only the dataset's public columns (and aliases the
query itself defines), only literals re-created from their values. Anything else is a
`SoqlError`, which the API answers with Socrata's error shape. The user's text never
reaches the warehouse; the rebuilt tree is rendered by sqlglot.

Withheld columns (`"public": false`) are out of reach by construction (#16): the query
reads from a projection of the public columns only, every name is resolved against
those columns before the query's own aliases, an alias is replaced by the expression it
names, and an alias may not take any column's name. No engine is ever left to decide
what a name means.
"""

from citystat.api.soql.clauses import DEFAULT_LIMIT, MAX_LIMIT, Clauses, parse_parameters
from citystat.api.soql.compiler import (
    CompiledQuery,
    SystemFields,
    columns_from_schema,
    compile_clauses,
    compile_query,
)
from citystat.api.soql.expressions import PUBLIC_ROWS, Column, SoqlError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "PUBLIC_ROWS",
    "Clauses",
    "Column",
    "CompiledQuery",
    "SoqlError",
    "SystemFields",
    "columns_from_schema",
    "compile_clauses",
    "compile_query",
    "parse_parameters",
]
