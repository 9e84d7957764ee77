"""Format numbers in tables the way the charts beside them do (d3 format strings)."""

from __future__ import annotations

from typing import Any

from django import template

from citystat.plan import display

register = template.Library()


@register.filter
def d3number(value: float | None, d3_format: str) -> str:
    """Format `value` by the small set of d3 formats the survey charts use (".0%",
    ",.1f", "$,.0f"), written by plan/display.py in the reader's separators, so a table
    reads "57,7 %" beside a chart whose locale says the same (#20)."""
    if value is None:
        return display.NO_VALUE
    if d3_format.endswith("%"):
        digits = int(d3_format.strip(".%") or 0)
        return display.percent_sign(display.number(value * 100, digits), None)
    digits = int(d3_format.rsplit(".", 1)[-1].rstrip("f") or 0)
    if d3_format.startswith("$"):
        return display.money(value, digits)
    return display.number(value, digits)


@register.filter
def points(share: float | None, decimals: int | str = 0) -> str:
    """A difference of two shares (0.052) in percentage points, as a number ("5", "5,2")."""
    if share is None:
        return display.NO_VALUE
    return display.number(share * 100, int(decimals))


@register.filter
def item(mapping: dict[str, Any], key: str):
    return mapping.get(key)
