"""The demo city's fixed history: its first and last day and Kansas City's fiscal year."""

from __future__ import annotations

import datetime as dt

import numpy as np

# Fixed constants, never "today", so every run of the generator writes the same files.
FIRST_DAY = dt.date(2020, 5, 1)
LAST_DAY = dt.date(2026, 10, 31)
EPOCH = dt.date(1970, 1, 1)
FIRST_DAY_NUMBER = (FIRST_DAY - EPOCH).days
LAST_DAY_NUMBER = (LAST_DAY - EPOCH).days
DAY_COUNT = LAST_DAY_NUMBER - FIRST_DAY_NUMBER + 1

# Kansas City's fiscal year starts on 1 May and is named by the year in which it ends.
FISCAL_YEAR_START_MONTH = 5


def fiscal_year_of(day: dt.date) -> int:
    """Return the fiscal year (named by its end) that contains `day`."""
    return day.year + 1 if day.month >= FISCAL_YEAR_START_MONTH else day.year


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of `fiscal_year`."""
    return dt.date(fiscal_year - 1, 5, 1), dt.date(fiscal_year, 4, 30)


def month_starts() -> list[dt.date]:
    """Return the first day of every month from FIRST_DAY to LAST_DAY."""
    months = []
    year, month = FIRST_DAY.year, FIRST_DAY.month
    while (year, month) <= (LAST_DAY.year, LAST_DAY.month):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


MONTH_STARTS = month_starts()
MONTH_COUNT = len(MONTH_STARTS)


def day_table() -> dict[str, np.ndarray]:
    """Return per-day arrays over the history: calendar month, weekday, month index, year."""
    days = np.arange(FIRST_DAY_NUMBER, LAST_DAY_NUMBER + 1).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    calendar_month = months.astype(np.int64) % 12  # 0 = January
    first_month = np.datetime64(FIRST_DAY, "M")
    return {
        "day_number": days.astype(np.int64),
        "calendar_month": calendar_month,
        "month_index": (months - first_month).astype(np.int64),
        "weekday": (days.astype(np.int64) + 3) % 7,  # 1970-01-01 was a Thursday; 0 = Monday
        "year": years,
    }
