"""Format numbers in tables the way the charts beside them do (d3 format strings)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def d3number(value: float | None, d3_format: str) -> str:
    """Format `value` by the small set of d3 formats the survey charts use."""
    if value is None:
        return "—"
    if d3_format.endswith("%"):
        digits = int(d3_format.strip(".%") or 0)
        return f"{value * 100:.{digits}f}%"
    digits = int(d3_format.rsplit(".", 1)[-1].rstrip("f") or 0)
    text = f"{value:,.{digits}f}"
    return f"${text}" if d3_format.startswith("$") else text


@register.filter
def item(mapping: dict[str, Any], key: str):
    return mapping.get(key)
