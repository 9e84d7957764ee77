"""Checks on Vega-Lite specs shared by the chart tests and the Spanish crawl."""

from __future__ import annotations

from typing import Any


def unnamed_tooltip_fields(spec: Any) -> list[str]:
    """Return the fields a chart's tooltips show without a title, anywhere in the spec.

    Vega-Lite then shows the column name ("period_start", "gap"), which is no word of the
    reader's language.
    """
    found: list[str] = []
    if isinstance(spec, dict):
        tooltip = spec.get("tooltip")
        entries = tooltip if isinstance(tooltip, list) else [tooltip]
        for entry in entries:
            if isinstance(entry, dict) and "field" in entry and not entry.get("title"):
                found.append(str(entry["field"]))
        for key, value in spec.items():
            if key != "tooltip":
                found.extend(unnamed_tooltip_fields(value))
    elif isinstance(spec, list):
        for item in spec:
            found.extend(unnamed_tooltip_fields(item))
    return found
