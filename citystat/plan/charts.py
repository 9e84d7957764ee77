"""Vega-Lite specs for a measure: its values over time, target, tolerance band and forecast.

Every chart of a measure on the site (public pages, embeds, social cards, briefing books)
is built here, so the browser (vega-embed) and the server (citystat.lib.charts) draw the
same spec. The functions read stored MeasureValues and Targets only, never the warehouse.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from citystat.city.models import CityProfile
from citystat.lib.periods import Period, next_period
from citystat.plan import display
from citystat.plan.breakdowns import breakdown_label
from citystat.plan.models import Measure, MeasureValue, Target
from citystat.plan.status import measure_grain, target_in_force
from citystat.plan.trend import WINDOW, trend_of

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# How many periods ahead the dashed forecast line reaches.
FORECAST_PERIODS = {"day": 14, "week": 8, "month": 6, "quarter": 4, "fiscal_year": 2, "year": 2}
# Colours that pass WCAG AA contrast against white as lines (design-system tokens).
VALUE_COLOUR = "#1f4e79"
TARGET_COLOUR = "#2e7d32"
FORECAST_COLOUR = "#6a4c93"
BAND_COLOUR = "#c8e6c9"
BREAKDOWN_COLOURS = [
    "#1f4e79",
    "#b3541e",
    "#2e7d32",
    "#6a4c93",
    "#8a6d00",
    "#a8324a",
    "#00695c",
    "#4e4e4e",
]

# Units whose values are whole things: their axes never tick between two of them.
WHOLE_UNITS = {"count"}


def value_format(measure: Measure) -> str:
    """Return the d3 number format of the measure's unit (plan/display.py decides it)."""
    return display.chart_format(measure.unit)


def axis_title(measure: Measure) -> str:
    """Return the value axis title: the measure's title and unit ("Potholes filled (count)")."""
    return display.axis_title(measure.title, measure.unit)


def value_axis(measure: Measure, fmt: str) -> dict[str, Any]:
    axis: dict[str, Any] = {"format": fmt}
    if measure.unit in WHOLE_UNITS:
        axis["tickMinStep"] = 1
    return axis


def overall_values(measure: Measure) -> list[MeasureValue]:
    return list(MeasureValue.objects.filter(measure=measure, breakdown="").order_by("period_start"))


def base_spec(description: str) -> dict[str, Any]:
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": description,
        "width": "container",
        "height": 260,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelColor": "#333333", "titleColor": "#333333", "gridColor": "#e5e5e5"},
            "legend": {"labelColor": "#333333", "titleColor": "#333333", "orient": "bottom"},
            "view": {"stroke": None},
            # Separators, currency and month names in the reader's language.
            "locale": display.chart_locale(),
        },
    }


def target_rows(
    measure: Measure, periods: list[Period], targets: list[Target]
) -> list[dict[str, Any]]:
    """Return the target (and its tolerance band) in force in each of `periods`."""
    calendar = CityProfile.current().fiscal_calendar
    rows = []
    for period in periods:
        target = target_in_force(targets, calendar.fiscal_year_of(period.end))
        if target is None:
            continue
        if target.style == Target.Style.BANDS and target.off_track_at is not None:
            low, high = sorted((target.value, target.off_track_at))
        else:
            low, high = target.value - target.tolerance, target.value + target.tolerance
        rows.append(
            {
                "period_start": period.start.isoformat(),
                "target": target.value,
                "band_low": low,
                "band_high": high,
                "fiscal_year": f"FY{target.fiscal_year}",
            }
        )
    return rows


def forecast_rows(measure: Measure, values: list[MeasureValue]) -> list[dict[str, Any]]:
    """Return the straight-line projection from the latest complete value, or nothing."""
    grain = measure_grain(measure)
    known = [v for v in values if v.value is not None and not v.is_partial][-WINDOW[grain] :]
    trend = trend_of([v.value for v in known if v.value is not None])
    if trend is None:
        return []
    calendar = CityProfile.current().fiscal_calendar
    last = known[-1]
    assert last.value is not None
    period = Period(last.period_start, last.period_end, grain)
    rows = [{"period_start": period.start.isoformat(), "forecast": last.value}]
    for step in range(1, FORECAST_PERIODS[grain] + 1):
        period = next_period(period, calendar)
        rows.append(
            {
                "period_start": period.start.isoformat(),
                "forecast": round(last.value + trend.slope * step, 6),
            }
        )
    return rows


def range_layer(
    rows: list[dict[str, Any]],
    mark: dict[str, Any],
    x: dict[str, Any],
    low: str,
    high: str,
    y_title: str,
) -> dict[str, Any]:
    """Return a layer spanning `low` to `high` in each row (a band or error bars).

    The layer carries the value axis title too: a layer without one would add its field
    name to the shared axis ("low, percent").
    """
    return {
        "data": {"values": rows},
        "mark": mark,
        "encoding": {
            "x": x,
            "y": {"field": low, "type": "quantitative", "title": y_title},
            "y2": {"field": high},
        },
    }


def measure_chart(
    measure: Measure,
    *,
    breakdown: str | None = None,
    values: list[MeasureValue] | None = None,
) -> dict[str, Any]:
    """Return the Vega-Lite spec of the measure's values over time.

    Overall (breakdown None): the values, the target line and tolerance band in force in
    each period, and a dashed forecast. With `breakdown` (such as "council_district"): one
    line per breakdown value. A measure with no values gets a valid, empty chart that says
    so; pages show their own "no data yet" text instead of drawing it. `values` draws
    overall values not (yet) stored, such as the measure builder's preview.
    """
    fmt = value_format(measure)
    y_title = axis_title(measure)
    if breakdown:
        return breakdown_chart(measure, breakdown, fmt, y_title)
    values = overall_values(measure) if values is None else values
    grain = measure_grain(measure)
    points = [
        {
            "period": v.period,
            "period_start": v.period_start.isoformat(),
            "value": v.value,
            "partial": v.is_partial,
        }
        for v in values
        if v.value is not None
    ]
    spec = base_spec(
        _("%(measure)s: values over time with the target and forecast.")
        % {"measure": measure.title}
    )
    if not points:
        spec.update(
            {
                "data": {"values": [{"message": _("No data yet")}]},
                "mark": {"type": "text", "fontSize": 16, "color": "#333333"},
                "encoding": {"text": {"field": "message"}},
            }
        )
        return spec
    periods = [Period(v.period_start, v.period_end, grain) for v in values]
    forecast = forecast_rows(measure, values)
    if forecast:
        calendar = CityProfile.current().fiscal_calendar
        period = periods[-1]
        for _step in forecast[1:]:
            period = next_period(period, calendar)
            periods.append(period)
    # A measure the builder has not saved yet has no targets to draw.
    targets = target_rows(measure, periods, list(measure.targets.all()) if measure.pk else [])
    x = {"field": "period_start", "type": "temporal", "title": None}
    layers: list[dict[str, Any]] = []
    if targets:
        band = {"type": "area", "color": BAND_COLOUR, "opacity": 0.7, "interpolate": "step-after"}
        layers.append(range_layer(targets, band, x, "band_low", "band_high", y_title))
        layers.append(
            {
                "data": {"values": targets},
                "mark": {
                    "type": "line",
                    "color": TARGET_COLOUR,
                    "strokeWidth": 2,
                    "interpolate": "step-after",
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "target", "type": "quantitative", "title": y_title},
                    "tooltip": [
                        {"field": "fiscal_year", "title": _("Fiscal year")},
                        {"field": "target", "title": _("Target"), "format": fmt},
                    ],
                },
            }
        )
    if forecast:
        layers.append(
            {
                "data": {"values": forecast},
                "mark": {"type": "line", "color": FORECAST_COLOUR, "strokeDash": [6, 4]},
                "encoding": {
                    "x": x,
                    "y": {"field": "forecast", "type": "quantitative", "title": y_title},
                    "tooltip": [{"field": "forecast", "title": _("Forecast"), "format": fmt}],
                },
            }
        )
    intervals = [
        {
            "period_start": v.period_start.isoformat(),
            "low": v.ci_lower,
            "high": v.ci_upper,
        }
        for v in values
        if v.ci_lower is not None and v.ci_upper is not None
    ]
    if intervals:
        # Survey measures: the value's 95% confidence interval, so a change inside it is
        # not read as a real one.
        bars = {"type": "errorbar", "color": VALUE_COLOUR, "opacity": 0.6}
        layers.append(range_layer(intervals, bars, x, "low", "high", y_title))
    layers.append(
        {
            "data": {"values": points},
            "mark": {
                "type": "line",
                "color": VALUE_COLOUR,
                "strokeWidth": 2,
                "point": {"filled": True, "size": 30},
            },
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "axis": value_axis(measure, fmt),
                    "scale": {"zero": False},
                },
                "tooltip": [
                    {"field": "period", "title": _("Period")},
                    {"field": "value", "title": _("Value"), "format": fmt},
                ],
            },
        }
    )
    spec["layer"] = layers
    return spec


def breakdown_chart(measure: Measure, breakdown: str, fmt: str, y_title: str) -> dict[str, Any]:
    rows = [
        {
            "period": period,
            "period_start": start.isoformat(),
            "area": area,
            "value": value,
        }
        for period, start, area, value in MeasureValue.objects.filter(
            measure=measure, breakdown=breakdown, value__isnull=False
        )
        .order_by("period_start", "breakdown_value")
        .values_list("period", "period_start", "breakdown_value", "value")
    ]
    label = breakdown_label(breakdown)
    spec = base_spec(
        _("%(measure)s by %(field)s over time.") % {"measure": measure.title, "field": label}
    )
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "line", "point": {"filled": True, "size": 20}},
            "encoding": {
                "x": {"field": "period_start", "type": "temporal", "title": None},
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "axis": value_axis(measure, fmt),
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "area",
                    "type": "nominal",
                    "title": capfirst(label),
                    "scale": {"range": BREAKDOWN_COLOURS},
                },
                "tooltip": [
                    {"field": "area", "title": capfirst(label)},
                    {"field": "period", "title": _("Period")},
                    {"field": "value", "title": _("Value"), "format": fmt},
                ],
            },
        }
    )
    return spec


def sparkline(measure: Measure) -> dict[str, Any]:
    """Return a small axis-less line of the last two years of values (for cards)."""
    grain = measure_grain(measure)
    values = [
        {"period_start": v.period_start.isoformat(), "value": v.value}
        for v in overall_values(measure)
        if v.value is not None and not v.is_partial
    ][-WINDOW[grain] :]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": _("%(measure)s: recent trend.") % {"measure": measure.title},
        "width": 120,
        "height": 32,
        "padding": 2,
        "config": {"view": {"stroke": None}},
        "data": {"values": values},
        "mark": {"type": "line", "color": VALUE_COLOUR, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "period_start", "type": "temporal", "axis": None},
            "y": {
                "field": "value",
                "type": "quantitative",
                "axis": None,
                "scale": {"zero": False},
            },
        },
    }
