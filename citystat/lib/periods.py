"""Reporting periods: days, ISO weeks, months, calendar quarters, fiscal and calendar years.

Labels are `2025-03-04` (day), `2025-W10` (ISO week: Monday to Sunday, numbered in its
ISO year, so 2018-12-31 is in `2019-W01`), `2025-03` (month), `2025-Q1` (calendar
quarter), `FY2025` (fiscal year, named by the calendar year it ends in) and `2025`
(calendar year). A fiscal year starts on a
city-specific month and day; every function that needs it takes them as arguments, so
this module knows nothing of Django or of the city profile.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Grain = Literal["day", "week", "month", "quarter", "fiscal_year", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "fiscal_year", "year")
LABEL = re.compile(
    r"^(?:(?P<fy>FY)(?P<fyear>\d{4})|(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?|-Q(?P<q>[1-4])|-W(?P<week>\d{2}))?)$"
)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class FiscalCalendar:
    """When the fiscal year starts; (1, 1) makes fiscal years calendar years."""

    start_month: int = 7
    start_day: int = 1

    def fiscal_year_of(self, day: dt.date) -> int:
        """Return the fiscal year `day` falls in, named by the calendar year it ends in."""
        if (self.start_month, self.start_day) == (1, 1):
            return day.year
        started = (day.month, day.day) >= (self.start_month, self.start_day)
        return day.year + 1 if started else day.year

    def fiscal_year_start(self, fiscal_year: int) -> dt.date:
        offset = 0 if (self.start_month, self.start_day) == (1, 1) else 1
        return dt.date(fiscal_year - offset, self.start_month, self.start_day)

    def fiscal_year_bounds(self, fiscal_year: int) -> tuple[dt.date, dt.date]:
        """Return the first and last day of `fiscal_year`."""
        last = self.fiscal_year_start(fiscal_year + 1) - dt.timedelta(days=1)
        return self.fiscal_year_start(fiscal_year), last

    @property
    def starts_on_a_quarter(self) -> bool:
        """Say whether calendar quarters nest inside fiscal years."""
        return self.start_day == 1 and self.start_month in (1, 4, 7, 10)


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its grain and its first and last day."""

    start: dt.date
    end: dt.date
    grain: Grain

    @property
    def label(self) -> str:
        if self.grain == "day":
            return self.start.isoformat()
        if self.grain == "week":
            iso_year, iso_week, _weekday = self.start.isocalendar()
            return f"{iso_year}-W{iso_week:02d}"
        if self.grain == "month":
            return f"{self.start:%Y-%m}"
        if self.grain == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.grain == "year":
            return str(self.start.year)
        return f"FY{self.end.year}"

    def __str__(self) -> str:
        return self.label

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(day: dt.date, grain: Grain, calendar: FiscalCalendar) -> Period:
    """Return the period of `grain` that contains `day`."""
    if grain == "day":
        return Period(day, day, grain)
    if grain == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6), grain)
    if grain == "month":
        start = month_start(day)
        return Period(start, add_months(start, 1) - dt.timedelta(days=1), grain)
    if grain == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(start, add_months(start, 3) - dt.timedelta(days=1), grain)
    if grain == "year":
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), grain)
    if grain == "fiscal_year":
        first, last = calendar.fiscal_year_bounds(calendar.fiscal_year_of(day))
        return Period(first, last, grain)
    raise PeriodError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}.")


def fiscal_year_period(fiscal_year: int, calendar: FiscalCalendar) -> Period:
    first, last = calendar.fiscal_year_bounds(fiscal_year)
    return Period(first, last, "fiscal_year")


def next_period(period: Period, calendar: FiscalCalendar) -> Period:
    return period_of(period.end + dt.timedelta(days=1), period.grain, calendar)


def previous_period(period: Period, calendar: FiscalCalendar) -> Period:
    return period_of(period.start - dt.timedelta(days=1), period.grain, calendar)


def periods_between(first: Period, last: Period, calendar: FiscalCalendar) -> list[Period]:
    """Return every period from `first` to `last`, both included."""
    periods = []
    current = first
    while current.start <= last.start:
        periods.append(current)
        current = next_period(current, calendar)
    return periods


def parse_period(label: str, calendar: FiscalCalendar) -> Period:
    """Return the period a label such as `2025-03`, `2025-W10`, `FY2025` or `2025` names."""
    match = LABEL.match(label.strip())
    if not match:
        raise PeriodError(
            f"{label!r} is not a period; write 2025-03-04 (day), 2025-W10 (ISO week), "
            "2025-03 (month), 2025-Q1 (quarter), FY2025 (fiscal year) or 2025 (calendar year)."
        )
    if match["fy"]:
        return fiscal_year_period(int(match["fyear"]), calendar)
    year = int(match["year"])
    if match["day"]:
        try:
            day = dt.date(year, int(match["month"]), int(match["day"]))
        except ValueError:
            raise PeriodError(f"{label!r}: there is no such day.") from None
        return period_of(day, "day", calendar)
    if match["week"]:
        try:
            monday = dt.date.fromisocalendar(year, int(match["week"]), 1)
        except ValueError:
            raise PeriodError(f"{label!r}: ISO year {year} has no week {match['week']}.") from None
        return period_of(monday, "week", calendar)
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"{label!r}: there is no month {month}.")
        return period_of(dt.date(year, month, 1), "month", calendar)
    if match["q"]:
        return period_of(dt.date(year, (int(match["q"]) - 1) * 3 + 1, 1), "quarter", calendar)
    return period_of(dt.date(year, 1, 1), "year", calendar)


def period_length_days(grain: Grain) -> int:
    """Return a period's usual length in days, for staleness and forecasts."""
    return {"day": 1, "week": 7, "month": 31, "quarter": 92, "fiscal_year": 366, "year": 366}[grain]
