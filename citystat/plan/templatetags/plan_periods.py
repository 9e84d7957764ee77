"""Period labels as residents read them: `{% load plan_periods %}{{ value.period|period_name }}`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext, pgettext

from citystat.lib.periods import LABEL

register = template.Library()
# Labels of the finer grains: ISO weeks (`2018-W01`) and days (`2018-01-03`).
WEEK_LABEL = re.compile(r"^\d{4}-W\d{2}$")
DAY_LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def as_of_text(label: str, start: dt.date) -> str:
    """Return "as of March 2018" for the period `label` that starts on `start`.

    Said per grain: "as of the week of 1 January 2018", "as of 3 January 2018", "as of
    Q1 2018", "as of FY2018", "as of 2018"; each a whole sentence part to translate.
    """
    day_format = pgettext("date format", "j F Y")
    if WEEK_LABEL.match(label):
        return gettext("as of the week of %(day)s") % {
            "day": formats.date_format(start, day_format)
        }
    if DAY_LABEL.match(label):
        return gettext("as of %(day)s") % {"day": formats.date_format(start, day_format)}
    return gettext("as of %(period)s") % {"period": period_name(label)}
