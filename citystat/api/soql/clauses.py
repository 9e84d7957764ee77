"""Read SODA parameters, or a whole $query statement, into clause trees (not yet checked)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from citystat.api.soql.expressions import Soql, SoqlError, as_expression

DEFAULT_LIMIT = 1000
MAX_LIMIT = 50_000
# Room for a polygon of geometry.MAX_VERTICES vertices written as WKT (up to 40
# characters a vertex); nesting stays bounded by expressions.MAX_DEPTH.
MAX_CLAUSE_LENGTH = 50_000


@dataclass
class Clauses:
    """One query's clauses, parsed but not yet checked; None where the query has none."""

    select: list[exp.Expression] | None = None
    distinct: bool = False
    where: exp.Expression | None = None
    group: list[exp.Expression] | None = None
    having: exp.Expression | None = None
    order: list[exp.Ordered] | None = None
    search: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse(text: str, clause: str, shown: str | None = None) -> exp.Expression:
    """Parse `text`; messages quote `shown`, the part the person actually wrote."""
    shown = text if shown is None else shown
    if len(text) > MAX_CLAUSE_LENGTH:
        raise SoqlError(f"{clause}: longer than {MAX_CLAUSE_LENGTH:,} characters.")
    try:
        statements = sqlglot.parse(text, read=Soql)
    except SqlglotError as error:
        raise SoqlError(
            f"{clause}: could not parse {shown[:80]!r} ({first_line(error)})."
        ) from None
    except RecursionError:
        raise SoqlError(f"{clause}: the expression is nested too deeply.") from None
    if len(statements) != 1 or statements[0] is None:
        raise SoqlError(f"{clause}: expected one expression, not several statements.")
    tree = as_expression(statements[0])
    # Positions in messages count from the start of what the person wrote, not of the
    # statement wrapped around it here.
    offset = len(text) - len(shown) if text.endswith(shown) else 0
    for node in tree.walk() if offset else ():
        meta = node.meta if isinstance(node, exp.Expression) else {}
        if "start" in meta:
            meta["start"] -= offset
            meta["end"] -= offset
    return tree


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__


def expression_list(text: str, clause: str) -> list[exp.Expression]:
    """Parse a comma-separated list the way a SELECT list is parsed, and nothing more."""
    expressions, distinct = selection(text, clause)
    if distinct:
        raise SoqlError(f"{clause}: DISTINCT belongs in $select.")
    return expressions


def selection(text: str, clause: str = "$select") -> tuple[list[exp.Expression], bool]:
    """Parse a $select list; return its expressions and whether it starts with DISTINCT."""
    tree = parse(f"SELECT {text}", clause, shown=text)
    if not isinstance(tree, exp.Select) or any(
        value for key, value in tree.args.items() if key not in ("expressions", "kind", "distinct")
    ):
        raise SoqlError(f"{clause}: expected a list of columns or expressions.")
    distinct = tree.args.get("distinct")
    if distinct is not None and (distinct.expressions or distinct.args.get("on")):
        raise SoqlError(f"{clause}: DISTINCT ON is not part of SoQL.")
    return list(tree.expressions), distinct is not None


def order_list(text: str) -> list[exp.Ordered]:
    tree = parse(f"SELECT 1 ORDER BY {text}", "$order", shown=text)
    order = tree.args.get("order") if isinstance(tree, exp.Select) else None
    extra = [
        key for key, value in tree.args.items() if value and key not in ("expressions", "order")
    ]
    if order is None or extra:
        raise SoqlError("$order: expected columns, each optionally followed by ASC or DESC.")
    return list(order.expressions)


def parse_parameters(parameters: Mapping[str, str]) -> Clauses:
    """Parse each SODA parameter into its clause, checking nothing about columns yet."""
    for name, value in parameters.items():
        check_parameter(name, value)
    if "$query" in parameters:
        others = sorted(name for name in parameters if name != "$query")
        if others:
            raise SoqlError(
                f"$query: cannot be combined with {', '.join(others)}; "
                "write every clause inside $query (SELECT … WHERE … ORDER BY … LIMIT …).",
                "query.soql.invalid-parameter",
            )
        return parse_statement(parameters["$query"])
    select_text = parameters.get("$select", "").strip()
    selected, distinct = (None, False) if select_text in ("", "*") else selection(select_text)
    return Clauses(
        select=selected,
        distinct=distinct,
        where=parse(parameters["$where"], "$where") if parameters.get("$where") else None,
        group=expression_list(parameters["$group"], "$group") if parameters.get("$group") else None,
        having=parse(parameters["$having"], "$having") if parameters.get("$having") else None,
        order=order_list(parameters["$order"]) if parameters.get("$order") else None,
        search=parameters.get("$q", ""),
        filters={name: value for name, value in parameters.items() if not name.startswith("$")},
        limit=bounded_integer(parameters.get("$limit"), "$limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
        offset=bounded_integer(parameters.get("$offset"), "$offset", 0, 0, 10**12),
    )


PARAMETERS = ("$select", "$where", "$order", "$group", "$having", "$limit", "$offset", "$q",
              "$query")  # fmt: skip

# $$ parameters that change nothing here: system fields are never returned anyway.
SYSTEM_PARAMETERS = {"$$exclude_system_fields": ("true", "false")}


def check_parameter(name: str, value: str) -> None:
    """Refuse a $ parameter citystat does not know, rather than answer as if it were absent."""
    if not name.startswith("$") or name in PARAMETERS:
        return
    if name == "$$app_token":
        raise SoqlError(
            "$$app_token: send the token in the X-App-Token header instead.",
            "query.soql.invalid-parameter",
        )
    allowed = SYSTEM_PARAMETERS.get(name)
    if allowed is None:
        raise SoqlError(
            f"{name[:40]}: unknown parameter; SODA parameters are {', '.join(PARAMETERS)}.",
            "query.soql.invalid-parameter",
        )
    if value.lower() not in allowed:
        raise SoqlError(f"{name}: expected {' or '.join(allowed)}, not {value[:20]!r}.")


# The clauses of a $query statement that SoQL has, and which Clauses field each fills.
STATEMENT_CLAUSES = ("expressions", "distinct", "where", "group", "having", "order", "limit",
                     "offset")  # fmt: skip


def parse_statement(text: str) -> Clauses:
    """Parse a whole SoQL statement ($query, what sodapy sends for `query=`) into clauses."""
    tree = parse(text, "$query")
    if not isinstance(tree, exp.Select):
        raise SoqlError("$query: expected one SELECT statement.")
    extra = sorted(
        key for key, value in tree.args.items() if value and key not in STATEMENT_CLAUSES
    )
    if extra:
        words = ", ".join(key.rstrip("_").upper() for key in extra)
        raise SoqlError(f"$query: {words} is not part of SoQL.")
    selected = tree.expressions
    distinct = tree.args.get("distinct")
    if distinct is not None and (distinct.expressions or distinct.args.get("on")):
        raise SoqlError("$query: DISTINCT ON is not part of SoQL.")
    where, group, having = tree.args.get("where"), tree.args.get("group"), tree.args.get("having")
    order = tree.args.get("order")
    return Clauses(
        select=None if len(selected) == 1 and isinstance(selected[0], exp.Star) else selected,
        distinct=distinct is not None,
        where=where.this if where else None,
        group=list(group.expressions) if group else None,
        having=having.this if having else None,
        order=list(order.expressions) if order else None,
        limit=statement_integer(tree.args.get("limit"), "LIMIT", DEFAULT_LIMIT, MAX_LIMIT),
        offset=statement_integer(tree.args.get("offset"), "OFFSET", 0, 10**12),
    )


def statement_integer(node: exp.Expression | None, name: str, default: int, high: int) -> int:
    if node is None:
        return default
    value = node.args.get("expression")
    others = [key for key, child in node.args.items() if child and key != "expression"]
    if (
        not isinstance(node, exp.Limit | exp.Offset)
        or others
        or not isinstance(value, exp.Literal)
        or value.is_string
    ):
        raise SoqlError(f"$query: {name} takes one whole number.")
    return bounded_integer(str(value.this), f"$query: {name}", default, 0, high)


def bounded_integer(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SoqlError(f"{name}: {raw[:20]!r} is not a whole number.") from None
    if not low <= value <= high:
        raise SoqlError(f"{name}: {value} is outside {low}–{high:,}.")
    return value
