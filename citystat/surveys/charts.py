"""Vega-Lite specs for survey results (rendered by static/js/charts.js)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from citystat.surveys.ratings import QUADRANT_LABELS, ItemRating, Priority

QUADRANT_COLOURS = {
    "act first": "#b3261e",
    "maintain": "#1b5e20",
    "watch": "#8a5300",
    "lower priority": "#4a5568",
}


def quadrant_chart(priorities: list[Priority], title: str) -> dict[str, Any]:
    """Plot importance against satisfaction, split at the medians, one point per service."""
    values = [
        {
            "service": priority.label,
            "importance": round(priority.importance, 4),
            "satisfaction": round(priority.satisfaction, 4),
            "quadrant": priority.quadrant_label,
            "rating": round(priority.rating, 4),
        }
        for priority in priorities
    ]
    importance_median = sorted(p.importance for p in priorities)[len(priorities) // 2]
    satisfaction_median = sorted(p.satisfaction for p in priorities)[len(priorities) // 2]
    axis_percent = {"format": ".0%"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "width": "container",
        "height": 420,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#4a5568", "aria": False},
                "encoding": {"x": {"datum": importance_median}},
            },
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#4a5568", "aria": False},
                "encoding": {"y": {"datum": satisfaction_median}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {
                    "x": {
                        "field": "importance",
                        "type": "quantitative",
                        "title": _("Named among the most important (share of residents)"),
                        "axis": axis_percent,
                    },
                    "y": {
                        "field": "satisfaction",
                        "type": "quantitative",
                        "title": _("Satisfied (share of residents with an opinion)"),
                        "axis": axis_percent,
                        "scale": {"zero": False},
                    },
                    "color": {
                        "field": "quadrant",
                        "type": "nominal",
                        "title": _("Priority"),
                        "scale": {
                            "domain": [str(QUADRANT_LABELS[code]) for code in QUADRANT_COLOURS],
                            "range": list(QUADRANT_COLOURS.values()),
                        },
                    },
                    "shape": {"field": "quadrant", "type": "nominal", "legend": None},
                    "tooltip": [
                        {"field": "service", "title": _("Service")},
                        {"field": "importance", "title": _("Most important"), "format": ".0%"},
                        {"field": "satisfaction", "title": _("Satisfied"), "format": ".0%"},
                        {"field": "rating", "title": _("I-S rating"), "format": ".3f"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 11, "aria": False},
                "encoding": {
                    "x": {"field": "importance", "type": "quantitative"},
                    "y": {"field": "satisfaction", "type": "quantitative"},
                    "text": {"field": "service"},
                },
            },
        ],
    }


def district_chart(ratings: list[ItemRating], title: str) -> dict[str, Any]:
    """Plot one item's satisfied share per district with its 95% interval."""
    values = [
        {
            "district": rating.group,
            "satisfied": round(rating.satisfied, 4),
            "low": round(rating.interval.low, 4),
            "high": round(rating.interval.high, 4),
        }
        for rating in ratings
        if rating.satisfied is not None and rating.interval is not None
    ]
    encoding_x = {"field": "district", "type": "nominal", "title": _("Council district")}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "width": "container",
        "height": 240,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#1f4e79"},
                "encoding": {
                    "x": encoding_x,
                    "y": {
                        "field": "satisfied",
                        "type": "quantitative",
                        "title": _("Satisfied"),
                        "axis": {"format": ".0%"},
                    },
                },
            },
            {
                "mark": {"type": "rule", "color": "#1a1a1a", "aria": False},
                "encoding": {
                    "x": encoding_x,
                    # The same title as the bars', or the shared axis reads "Satisfied, low".
                    "y": {"field": "low", "type": "quantitative", "title": _("Satisfied")},
                    "y2": {"field": "high"},
                },
            },
        ],
    }


def whole_axis(y_format: str) -> dict[str, Any]:
    """Return a value axis in `y_format`; one of whole numbers (",.0f", "$,.0f": counts,
    money) ticks at whole steps, never "0.5 requests" (#20)."""
    axis: dict[str, Any] = {"format": y_format}
    if y_format.endswith(".0f"):
        axis["tickMinStep"] = 1
    return axis


def line_chart(
    values: list[dict[str, Any]],
    x: str,
    y: str,
    title: str,
    y_title: str,
    y_format: str = ",.0f",
    temporal: bool = False,
    band: tuple[str, str] | None = None,
    x_title: str | None = None,
) -> dict[str, Any]:
    """Return a small line chart of `y` over `x`, with an optional interval band.

    The tooltip names both fields by their titles (`x_title`, `y_title`), never by the
    column names, which are no word of the reader's language.
    """
    x_encoding = {
        "field": x,
        "type": "temporal" if temporal else "ordinal",
        "title": None,
    }
    layers: list[dict[str, Any]] = []
    if band:
        layers.append(
            {
                "mark": {"type": "area", "opacity": 0.25, "color": "#1f4e79", "aria": False},
                "encoding": {
                    "x": x_encoding,
                    "y": {"field": band[0], "type": "quantitative", "title": y_title},
                    "y2": {"field": band[1]},
                },
            }
        )
    layers.append(
        {
            "mark": {"type": "line", "point": not temporal, "color": "#1f4e79"},
            "encoding": {
                "x": x_encoding,
                "y": {
                    "field": y,
                    "type": "quantitative",
                    "title": y_title,
                    "axis": whole_axis(y_format),
                },
                "tooltip": [
                    {"field": x, "title": x_title or _("Period")},
                    {"field": y, "title": y_title, "format": y_format},
                ],
            },
        }
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "width": "container",
        "height": 180,
        "data": {"values": [row for row in values if row.get(y) is not None]},
        "layer": layers,
    }
