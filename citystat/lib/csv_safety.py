"""Keep spreadsheets from running CSV cells as formulas (CSV injection, issue #16 Low 11).

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@`
(and, after a tab or carriage return, the same) as a formula, which can fetch URLs or
run commands when a resident opens a downloaded file. Every CSV the site writes passes
its text cells through `safe_cell` (Python writers) or `safe_cell_sql` (the whole-dataset
exports DuckDB writes), so the rule lives here only.

Only text is escaped: a number such as -3.5 stays a number, since a spreadsheet reads it
as one and cannot run it. A consumer who wants the text exactly as stored asks SODA for
`$formulas=keep`, or reads JSON or Parquet, which are never escaped (docs/api.md).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The parameter value that turns the escaping off for one answer (docs/api.md).
KEEP_FORMULAS = "keep"


def escape_formula(text: str) -> str:
    """Return `text` with a leading apostrophe when a spreadsheet would run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """Return a CSV cell: text escaped, None as empty, anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    return value


def safe_cell_sql(expression: str) -> str:
    """Return DuckDB SQL that escapes the text column `expression` (a quoted identifier).

    Built from FORMULA_STARTS so the exports and the Python writers cannot disagree.
    """
    starts = ", ".join("'" + start.replace("'", "''") + "'" for start in FORMULA_STARTS)
    return (
        f"case when left({expression}, 1) in ({starts}) "
        f"then '''' || {expression} else {expression} end"
    )
