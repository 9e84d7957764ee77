"""Number formats for the place, search and "how we measure" pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """Return a share (0.42) as residents read it ("42%"), or a dash when unknown."""
    if share is None:
        return "–"
    return f"{number_format(round(share * 100), 0)}%"


@register.filter
def days(value: float | None) -> str:
    """Return a number of days with at most one decimal ("4.5"), or a dash when unknown."""
    if value is None:
        return "–"
    return number_format(round(value, 1), 0 if float(value).is_integer() else 1)
