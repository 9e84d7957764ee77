"""Number formats for the place, search and "how we measure" pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import pgettext_lazy

from citystat.plan import display

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """Return a share (0.42) as residents read it ("42%"), or a dash when unknown.

    plan/display.py writes it, so a small share reads "0.4%" or "<0.1%", never "0%".
    """
    if share is None:
        return "–"
    return display.fraction(share)


@register.filter
def days(value: float | None) -> str:
    """Return a number of days with at most one decimal ("4.5"), or a dash when unknown."""
    if value is None:
        return "–"
    return number_format(round(value, 1), 0 if float(value).is_integer() else 1)


# Date formats residents read: "31 October 2026" in English, "31 de octubre de 2026" in
# Spanish; the format itself is translated, so each language writes dates its own way.
DAY = pgettext_lazy("date format", "j F Y")
MONTH = pgettext_lazy("date format", "F Y")
DAY_TIME = pgettext_lazy("date format", "j F Y, g:i A")
WEEKDAY_TIME = pgettext_lazy("date format", "l j F Y, g:i A")


def local_date(value: dt.date | dt.datetime | None, date_format: object) -> str:
    """Return `value` in the format, a moment shown in the city's time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, str(date_format))


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    return local_date(value, DAY)


@register.filter
def month(value: dt.date | dt.datetime | None) -> str:
    return local_date(value, MONTH)


@register.filter
def day_time(value: dt.datetime | None) -> str:
    return local_date(value, DAY_TIME)


@register.filter
def weekday_time(value: dt.datetime | None) -> str:
    return local_date(value, WEEKDAY_TIME)
