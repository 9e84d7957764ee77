"""One way to show a number: measure values, targets, tolerances, changes, intervals,
shares, dates and partial periods as residents read them, in their language.

Every page, feed, briefing, export and email that writes a measure's figure as text
calls these functions, so the same value reads the same everywhere (docs/public-site.md,
"How numbers are shown"). The numbers are written by Babel from the Unicode CLDR data,
so any locale Django can activate gets its own separators and currency placement; dates
use the catalogue's translated date format; the words around them ("days", "points",
"partial") are gettext's.

Each unit has one precision, used for its value, target, tolerance, change and interval
alike: a page never shows "65.0%" beside "65 ± 2".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext, pgettext

from citystat.lib.periods import Grain, add_months, month_start


@dataclass(frozen=True)
class UnitStyle:
    """How a unit's numbers are written: decimals kept, and whether it is money."""

    decimals: int
    money: bool = False


# One precision per unit (Measure.Unit's values). A unit not listed reads as a plain
# number with two decimals, so a new unit never fails to show.
STYLES: dict[str, UnitStyle] = {
    "count": UnitStyle(0),
    "percent": UnitStyle(1),
    "days": UnitStyle(1),
    "hours": UnitStyle(1),
    "dollars": UnitStyle(0, money=True),
    "rate_per_1000": UnitStyle(2),
    "score": UnitStyle(1),
}
PLAIN = UnitStyle(2)
# The currency of a "dollars" measure.
CURRENCY = "USD"
# Shares of a whole smaller than this (in percent) read "<0.1%", never "0%".
SMALLEST_SHARE = 0.1
NO_VALUE = "—"


def babel_locale(language: str | None = None) -> Locale:
    """Return the Babel locale for a Django language code ("es", "pt-br"), default the
    active language; an unknown code falls back to English rather than failing a page."""
    code = (language or translation.get_language() or "en").replace("-", "_")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def style_of(unit: str) -> UnitStyle:
    return STYLES.get(unit, PLAIN)


# The number part of a CLDR pattern ("#,##0.00" in "¤#,##0.00", "#,##,##0" in Indian).
NUMBER_PART = re.compile(r"[#,0]+(?:\.[#0]+)?")


def with_decimals(pattern: str, decimals: int) -> str:
    """Return a CLDR pattern's positive part with its grouping kept and exactly
    `decimals` decimals: "#,##0.###" → "#,##0.0"."""
    positive = pattern.split(";")[0]
    match = NUMBER_PART.search(positive)
    if match is None:  # no CLDR locale has one, but never fail a page over it
        return "#,##0" + ("." + "0" * decimals if decimals else "")
    integer = match.group().split(".")[0]
    fixed = integer + ("." + "0" * decimals if decimals else "")
    return positive[: match.start()] + fixed + positive[match.end() :]


def rounded(value: float, decimals: int) -> float:
    """Round to `decimals`, and never give "-0" for a value that rounds to zero."""
    result = round(value, decimals)
    return 0.0 if result == 0 else result


def number(value: float, decimals: int, language: str | None = None) -> str:
    """Return `value` with exactly `decimals` decimals and the locale's separators."""
    locale = babel_locale(language)
    pattern = with_decimals(locale.decimal_formats[None].pattern, decimals)
    return format_decimal(rounded(value, decimals), format=pattern, locale=locale)


def plain(value: float | None, decimals: int, language: str | None = None) -> str:
    """Return a figure that is not a measure's value (a rule's multiple, a score, a
    correlation) with at most `decimals` decimals, trailing zeros dropped ("1.5", "2",
    "1,5" in Spanish), or a dash when unknown."""
    if value is None or not math.isfinite(value):
        return NO_VALUE
    locale = babel_locale(language)
    pattern = with_decimals(locale.decimal_formats[None].pattern, decimals)
    integer, _, fraction_part = pattern.partition(".")
    # "0" decimals are always written, "#" only when not zero.
    optional = integer + ("." + fraction_part.replace("0", "#") if fraction_part else "")
    return format_decimal(rounded(value, decimals), format=optional, locale=locale)


def money(value: float, decimals: int, language: str | None = None) -> str:
    """Return an amount of money in the locale's currency pattern ("$4,000", "4000 US$")."""
    locale = babel_locale(language)
    pattern = with_decimals(locale.currency_formats["standard"].pattern, decimals)
    return format_currency(
        rounded(value, decimals), CURRENCY, format=pattern, locale=locale, currency_digits=False
    )


def percent_sign(text: str, language: str | None = None) -> str:
    """Put the locale's percent sign, with its spacing, around a number already written
    ("65.0%", "65,0\u00a0%" in Spanish)."""
    locale = babel_locale(language)
    positive: str = locale.percent_formats[None].pattern.split(";")[0]
    match = NUMBER_PART.search(positive)
    sign = locale.number_symbols["latn"]["percentSign"]
    if match is None:
        return f"{text}{sign}"
    outside = (positive[: match.start()], positive[match.end() :])
    return outside[0].replace("%", sign) + text + outside[1].replace("%", sign)


def bare(value: float, unit: str, language: str | None = None) -> str:
    """Return the number alone in the unit's precision ("65.0", "$4,000"), no unit word."""
    style = style_of(unit)
    if style.money:
        return money(value, style.decimals, language)
    return number(value, style.decimals, language)


def value_text(value: float | None, unit: str, language: str | None = None) -> str:
    """Return a measure value as residents read it: "87.5%", "4.2 days", "$1,250", "12,345".

    None (no value) reads as a dash, and so does a value that is not a number (NaN, or an
    infinity from a division by zero): it is unknown, not "NaN days".
    """
    if value is None or not math.isfinite(value):
        return NO_VALUE
    with translation.override(language or translation.get_language()):
        return _with_unit(bare(value, unit, language), unit, language)


def _with_unit(text: str, unit: str, language: str | None) -> str:
    if unit == "percent":
        return percent_sign(text, language)
    # Days and hours keep one decimal, and "1.0 days" is plural in both languages.
    if unit == "days":
        return gettext("%(n)s days") % {"n": text}
    if unit == "hours":
        return gettext("%(n)s hours") % {"n": text}
    if unit == "rate_per_1000":
        return gettext("%(n)s per 1,000 residents") % {"n": text}
    return text


def difference(value: float, unit: str, language: str | None = None) -> str:
    """Return a difference in the measure's unit ("2.5 percentage points", "1.2 days",
    "$300"): a percent measure moves by points, not by percent."""
    with translation.override(language or translation.get_language()):
        if unit == "percent":
            text = number(value, style_of(unit).decimals, language)
            return gettext("%(n)s percentage points") % {"n": text}
        return value_text(value, unit, language)


def change(value: float | None, unit: str, language: str | None = None) -> str:
    """Return a signed change from one period to the next ("+2.5 percentage points",
    "−$300"), or a dash when unknown."""
    if value is None:
        return NO_VALUE
    text = difference(abs(value), unit, language)
    if round(value, style_of(unit).decimals) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


def target_text(value: float | None, unit: str, language: str | None = None) -> str:
    return value_text(value, unit, language)


def tolerance_text(value: float, unit: str, language: str | None = None) -> str:
    """Return a target's tolerance: "± 2.0 percentage points", "± 1.5 days"."""
    return "±\u00a0" + difference(value, unit, language)


def interval(low: float | None, high: float | None, unit: str, language: str | None = None) -> str:
    """Return a 95% interval as "58.2–64.9%" (both ends in the unit's precision), or ""
    when either end is unknown."""
    if low is None or high is None:
        return ""
    first, last = bare(low, unit, language), bare(high, unit, language)
    with translation.override(language or translation.get_language()):
        return _with_unit(f"{first}\u2013{last}", unit, language)


def plus_minus(value: float, half_width: float, unit: str, language: str | None = None) -> str:
    """Return "65.0 ± 2.0%"-style text for a symmetric interval, both parts in one precision."""
    with translation.override(language or translation.get_language()):
        centre, spread = bare(value, unit, language), bare(half_width, unit, language)
        return _with_unit(f"{centre} ±\u00a0{spread}", unit, language)


def share(part: float | None, whole: float | None, language: str | None = None) -> str:
    """Return `part` as a share of `whole` that never rounds a real share to "0%": under
    0.1% reads "<0.1%", under 10% keeps one decimal ("0.4%"), above it whole percents."""
    if part is None or not whole:
        return NO_VALUE
    percent = part / whole * 100
    if percent == 0:
        return percent_sign(number(0, 0, language), language)
    if 0 < percent < SMALLEST_SHARE:
        return "<" + percent_sign(number(SMALLEST_SHARE, 1, language), language)
    decimals = 1 if percent < 10 else 0
    return percent_sign(number(percent, decimals, language), language)


def fraction(value: float | None, language: str | None = None) -> str:
    """Return a fraction of 1 (0.42) as a share ("42%"), with share()'s small-share rule."""
    if value is None:
        return NO_VALUE
    return share(value, 1.0, language)


def date_text(day: dt.date | dt.datetime | None, language: str | None = None) -> str:
    """Return a day in the reader's language: "30 June 2026", "30 de junio de 2026".

    The shape is the translated "date format" of the catalogue (the one the place and
    meeting pages use), with Django's month names for the language.
    """
    if day is None:
        return NO_VALUE
    if isinstance(day, dt.datetime):
        # A moment is read on the city's clock: 23:30 on the 30th is not the 1st.
        day = (timezone.localtime(day) if timezone.is_aware(day) else day).date()
    with translation.override(language or translation.get_language()):
        return formats.date_format(day, pgettext("date format", "j F Y"))


def axis_title(title: str, unit: str, language: str | None = None) -> str:
    """Return a chart axis title from the measure: its title and its unit's name."""
    with translation.override(language or translation.get_language()):
        # The unit names are the Measure.Unit labels (one catalogue entry each).
        names = {
            "count": gettext("count"),
            "percent": "%",
            "days": gettext("days"),
            "hours": gettext("hours"),
            "dollars": gettext("dollars"),
            "rate_per_1000": gettext("per 1,000 residents"),
            "score": gettext("score"),
        }
        name = names.get(unit)
        return f"{title} ({name})" if name else title


# ---------------------------------------------------------------- partial periods

# Grains whose partial periods are counted in days; the longer ones count months.
DAY_COUNTED: set[str] = {"day", "week", "month"}


def progress(start: dt.date, end: dt.date, grain: Grain | str, today: dt.date) -> tuple[int, int]:
    """Return how far `today` is into the period (start–end): (units in, units in all),
    counted in days for weeks and months and in months for longer periods."""
    if grain in DAY_COUNTED:
        total = (end - start).days + 1
        return max(0, min(total, (today - start).days + 1)), total
    total = months_between(start, end)
    return max(0, min(total, months_between(start, today))), total


def months_between(start: dt.date, last: dt.date) -> int:
    """Return how many calendar months from `start`'s month to `last`'s, both counted."""
    count = 0
    month = month_start(start)
    while month <= last:
        count += 1
        month = add_months(month, 1)
    return count


def partial_text(
    start: dt.date,
    end: dt.date,
    grain: Grain | str,
    today: dt.date | None = None,
    language: str | None = None,
) -> str:
    """Return what a partial period is, never a verdict on it.

    A period still running reads "partial — 1 of 3 months in" ("… 20 of 31 days in" for a
    month or a week); a period the data covers only in part for another reason (the data
    starts inside it) reads "partial period".
    """
    today = today or dt.date.today()
    with translation.override(language or translation.get_language()):
        if not start <= today <= end:
            return gettext("partial period")
        done, total = progress(start, end, grain, today)
        if grain in DAY_COUNTED:
            text = ngettext(
                "partial — %(done)s of %(total)s day in",
                "partial — %(done)s of %(total)s days in",
                total,
            )
        else:
            text = ngettext(
                "partial — %(done)s of %(total)s month in",
                "partial — %(done)s of %(total)s months in",
                total,
            )
        return text % {"done": number(done, 0, language), "total": number(total, 0, language)}


# ---------------------------------------------------------------- charts


def chart_format(unit: str) -> str:
    """Return the d3 number format of a unit's chart axis and tooltips, in the unit's
    precision: the chart's locale (chart_locale) supplies the separators and currency."""
    style = style_of(unit)
    return ("$" if style.money else "") + f",.{style.decimals}f"


def chart_locale(language: str | None = None) -> dict[str, Any]:
    """Return a Vega `config.locale` in the reader's language: the number separators and
    currency of value_text, and month and day names for time axes."""
    locale = babel_locale(language)
    symbols = locale.number_symbols["latn"]
    prefix, _, suffix = money(0, 0, language).partition("0")
    months = locale.months["format"]
    days = locale.days["format"]
    # Babel numbers weekdays from Monday (0); d3 lists them from Sunday.
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": [prefix, suffix],
        },
        "time": {
            "dateTime": "%x, %X",
            "date": "%Y-%m-%d",
            "time": "%H:%M:%S",
            "periods": [
                locale.day_periods["format"]["abbreviated"].get(p, p) for p in ("am", "pm")
            ],
            "days": [days["wide"][d] for d in sunday_first],
            "shortDays": [days["abbreviated"][d] for d in sunday_first],
            "months": [months["wide"][m] for m in range(1, 13)],
            "shortMonths": [months["abbreviated"][m] for m in range(1, 13)],
        },
    }
