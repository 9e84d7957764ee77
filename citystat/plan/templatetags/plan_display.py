"""plan/display.py in templates: `{% load plan_display %}{{ value|measure_value:measure.unit }}`.

Templates write a measure's figures and dates only through these filters (or text the
view made with plan/display.py), so a page, a briefing and an email agree.
"""

from __future__ import annotations

import datetime as dt

from django import template

from citystat.plan import display
from citystat.plan.models import Measure
from citystat.plan.status import status_for

register = template.Library()


@register.filter
def measure_value(value: float | None, unit: str) -> str:
    """A value in its unit: "65.0%", "$4,000", "10,0 días"."""
    return display.value_text(value, unit)


@register.filter
def tolerance(value: float | None, unit: str) -> str:
    """A target's tolerance: "± 2.0 percentage points"."""
    return display.NO_VALUE if value is None else display.tolerance_text(value, unit)


@register.filter
def measure_difference(value: float | None, unit: str) -> str:
    """A distance in a measure's unit: "5.0 percentage points", "1.5 days"."""
    return display.NO_VALUE if value is None else display.difference(value, unit)


@register.filter
def plain_number(value: float | None, decimals: int | str = 2) -> str:
    """A figure that is not a measure's value (a score, a multiple) with at most `decimals`
    decimals in the reader's separators: "1.5", "1,5", "0.62"."""
    return display.plain(None if value is None else float(value), int(decimals))


@register.filter
def fixed_number(value: float | None, decimals: int | str = 2) -> str:
    """A figure that is not a measure's value with exactly `decimals` decimals, so a
    column of them lines up: "1.67", "3.00", "1,67"."""
    if value is None:
        return display.NO_VALUE
    return display.number(float(value), int(decimals))


@register.filter
def count(value: int | float | None) -> str:
    """A count of things with the reader's thousands separator: "12,345", "12.345"."""
    return display.value_text(None if value is None else float(value), "count")


@register.filter
def long_date(day: dt.date | dt.datetime | None) -> str:
    """A day in the reader's language: "June 30, 2026", "30 de junio de 2026"."""
    return display.date_text(day)


@register.filter
def measure_status(measure: Measure | None) -> str:
    """The measure's status now, in the reader's language ("Bien encaminado"), with "as of
    March 2018" when judged on a past period; "" for no measure.

    Agendas show it live rather than a label stored in the language of whoever drafted
    them (#20: "On track" on Spanish agendas).
    """
    if measure is None:
        return ""
    judged = status_for(measure)
    label = str(judged.status.label)
    return f"{label}, {judged.as_of}" if judged.as_of else label
