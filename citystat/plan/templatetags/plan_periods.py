"""Period labels as residents read them: `{% load plan_periods %}{{ value.period|period_name }}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext

from citystat.lib.periods import LABEL

register = template.Library()


def fiscal_year_name(year: int | str) -> str:
    return gettext("FY%(year)s") % {"year": year}


@register.filter
def period_name(label: Any) -> str:
    """Return a period label as residents read it, in the active language.

    `2025-03` becomes "March 2025" ("marzo de 2025"), `2025-Q1` "Q1 2025" ("trimestre 1
    de 2025"), `FY2025` "FY2025" ("año fiscal 2025"), `2025-03-04` the day in the
    language's date format and `2025-W10` "week of" its Monday. The stored label stays
    what files and APIs use.
    """
    text = str(label)
    match = LABEL.match(text.strip())
    if not match:
        return text
    if match["fy"]:
        return fiscal_year_name(match["fyear"])
    if match["day"]:
        try:
            day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            return text
        return formats.date_format(day, "DATE_FORMAT")
    if match["week"]:
        try:
            monday = dt.date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
        except ValueError:
            return text
        return gettext("week of %(monday)s") % {
            "monday": formats.date_format(monday, "DATE_FORMAT")
        }
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            return text
        return formats.date_format(dt.date(int(match["year"]), month, 1), "YEAR_MONTH_FORMAT")
    if match["q"]:
        return gettext("Q%(quarter)s %(year)s") % {"quarter": match["q"], "year": match["year"]}
    return match["year"]
