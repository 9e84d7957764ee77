"""Measure queries compiled once per spec, schema and engine, then run as SQL.

Building a spec's Ibis expressions and compiling them to SQL costs more than the
warehouse takes to answer them at a million rows, and the same specs are compiled again
at every recompute: after each load, each schedule, each `citystat compute`. The SQL
each expression compiles to is kept, with the schema of its answer, in the process and
in the shared cache, under a key made of everything the compiler reads:

- the spec as written (its `source`), its kind and every field of the checked spec;
- the relation it reads and the dataset's Table Schema (column types, status groups);
- the fiscal calendar, the engine, the Ibis release and the source of the code that
  builds the expressions (so an upgrade, or an edit in development, compiles afresh).

A change to any of them is another key, so a kept statement is never run for a spec or
schema it was not compiled from. A spec built in code, with no `source`, is compiled
every time. The answer is run through the engine's own `sql()` with the kept schema, so
it comes back with the very types the expression would have given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from django.core.cache import cache
from django.db import DatabaseError
from ibis.formats.pyarrow import PyArrowData

from citystat.lib import periods

# Statements kept in this process, newest last; each is a few kilobytes of SQL.
KEPT_IN_PROCESS = 2048
# Kept in the shared cache for a month: a statement is only ever as old as its key.
CACHE_SECONDS = 30 * 24 * 60 * 60
CACHE_PREFIX = "plan-sql:"

# (label, SQL, the answer's schema as {column: Ibis type})
Statement = tuple[str, str, dict[str, str]]
_kept: OrderedDict[str, list[Statement]] = OrderedDict()


def statements_key(kind: str, backend: Any, relation: str, spec: Any, context: Any) -> str | None:
    """Return the key of a spec's statements of `kind`, or None when they are not kept."""
    if not spec.source:
        return None
    fields = {
        item.name: repr(getattr(spec, item.name))
        for item in dataclasses.fields(spec)
        if item.name != "source"
    }
    inputs = {
        "kind": kind,
        # The spec's class (kinds.py) too: two kinds never share a statement.
        "spec_kind": type(spec).__name__,
        "source": spec.source,
        "fields": fields,
        "relation": relation,
        "schema": context.schemas.get(spec.dataset),
        "calendar": [context.calendar.start_month, context.calendar.start_day],
    }
    return key_of(inputs, backend)


def key_of(inputs: dict[str, Any], backend: Any) -> str:
    """Return the key of statements compiled from `inputs` by this engine and code."""
    inputs = {
        **inputs,
        "engine": backend.name,
        "code": [ibis.__version__, sqlglot_release(), compiler_fingerprint()],
    }
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def sqlglot_release() -> str:
    # From the installed distribution: sqlglot's module does not declare its __version__.
    return importlib.metadata.version("sqlglot")


@functools.cache
def compiler_fingerprint() -> str:
    """A digest of the code that turns a spec into expressions: this package and periods."""
    files = sorted(Path(__file__).parent.glob("*.py")) + [Path(periods.__file__)]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_statements(
    backend: Any,
    key: str | None,
    build: Callable[[], list[tuple[str, ir.Table]]],
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Run the (label, expression) pairs `build` gives; return each label with its rows.

    With a key, the expressions are built and compiled only when no statement is kept
    under it.
    """
    if key is None:
        return [(label, backend.to_pyarrow(expr).to_pylist()) for label, expr in build()]
    statements = kept_statements(key)
    if statements is None:
        statements = [
            (label, backend.compile(expr), {n: str(t) for n, t in expr.schema().items()})
            for label, expr in build()
        ]
        keep_statements(key, statements)
    return [(label, answer_rows(backend, sql, schema)) for label, sql, schema in statements]


def answer_rows(backend: Any, sql: str, schema: dict[str, str]) -> list[dict[str, Any]]:
    """Run a kept statement; return its rows with the types its expression gave.

    On DuckDB the statement goes straight to the connection: through `backend.sql()`
    Ibis would parse it again, a third of what keeping it saves.
    """
    kept = ibis.schema(schema)
    if backend.name == "duckdb":
        table = backend.con.sql(sql).to_arrow_table()
        return PyArrowData.convert_table(table, kept).to_pylist()  # type: ignore[no-any-return]
    return backend.to_pyarrow(backend.sql(sql, schema=kept)).to_pylist()  # type: ignore[no-any-return]


def kept_statements(key: str) -> list[Statement] | None:
    statements = _kept.get(key)
    if statements is not None:
        _kept.move_to_end(key)
        return statements
    try:
        stored = cache.get(CACHE_PREFIX + key)
    except DatabaseError:
        # No cache table yet (a fresh database before migrate): compile as before.
        return None
    if stored is None:
        return None
    statements = [(label, sql, schema) for label, sql, schema in stored]
    remember(key, statements)
    return statements


def keep_statements(key: str, statements: list[Statement]) -> None:
    remember(key, statements)
    # Without a cache table (before migrate) the statements are kept in this process only.
    with contextlib.suppress(DatabaseError):
        cache.set(CACHE_PREFIX + key, statements, CACHE_SECONDS)


def remember(key: str, statements: list[Statement]) -> None:
    _kept[key] = statements
    _kept.move_to_end(key)
    while len(_kept) > KEPT_IN_PROCESS:
        _kept.popitem(last=False)


def forget_statements() -> None:
    """Drop the statements kept in this process (tests; the shared cache is keyed anyway)."""
    _kept.clear()
