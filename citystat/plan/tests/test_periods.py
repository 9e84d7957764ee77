"""Period arithmetic: fiscal years named by their end, labels that parse back."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citystat.city.models import CityProfile
from citystat.lib.periods import (
    GRAINS,
    FiscalCalendar,
    PeriodError,
    next_period,
    parse_period,
    period_of,
)

KC = FiscalCalendar(5, 1)
days = st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31))
calendars = st.builds(FiscalCalendar, st.integers(1, 12), st.integers(1, 28))


def test_kansas_city_fy2025_runs_from_1_may_2024_to_30_april_2025():
    assert KC.fiscal_year_bounds(2025) == (dt.date(2024, 5, 1), dt.date(2025, 4, 30))
    assert period_of(dt.date(2024, 4, 30), "fiscal_year", KC).label == "FY2024"
    assert period_of(dt.date(2024, 5, 1), "fiscal_year", KC).label == "FY2025"


def test_labels():
    day = dt.date(2025, 3, 9)
    labels = [period_of(day, grain, KC).label for grain in GRAINS]
    assert labels == ["2025-03-09", "2025-W10", "2025-03", "2025-Q1", "FY2025", "2025"]


def test_weeks_are_iso_weeks_from_monday_named_by_their_iso_year():
    week = period_of(dt.date(2018, 12, 31), "week", KC)
    assert (week.label, week.start, week.end) == (
        "2019-W01",
        dt.date(2018, 12, 31),
        dt.date(2019, 1, 6),
    )
    assert period_of(dt.date(2018, 1, 7), "week", KC).label == "2018-W01"  # a Sunday
    assert period_of(dt.date(2021, 1, 3), "week", KC).label == "2020-W53"
    assert parse_period("2020-W53", KC).start == dt.date(2020, 12, 28)


@given(day=days)
def test_week_labels_agree_with_pandas(day):
    stamp = pd.Timestamp(day)
    year, week, _weekday = stamp.isocalendar()
    week_start = stamp.to_period("W-SUN").start_time.date()  # weeks ending on Sunday
    period = period_of(day, "week", KC)
    assert (period.label, period.start) == (f"{year}-W{week:02d}", week_start)


def test_days_are_labelled_by_their_date():
    period = period_of(dt.date(2018, 1, 3), "day", KC)
    assert (period.label, period.start, period.end) == ("2018-01-03", *[dt.date(2018, 1, 3)] * 2)


@given(day=days, calendar=calendars)
def test_the_fiscal_year_agrees_with_the_city_profile(day, calendar):
    profile = CityProfile(
        fiscal_year_start_month=calendar.start_month, fiscal_year_start_day=calendar.start_day
    )
    assert calendar.fiscal_year_of(day) == profile.fiscal_year_of(day)
    assert calendar.fiscal_year_bounds(2030) == profile.fiscal_year_bounds(2030)


@given(day=days, calendar=calendars, grain=st.sampled_from(GRAINS))
def test_every_day_is_in_its_period_and_the_next_period_starts_the_day_after(day, calendar, grain):
    period = period_of(day, grain, calendar)
    assert period.start <= day <= period.end
    assert next_period(period, calendar).start == period.end + dt.timedelta(days=1)
    assert parse_period(period.label, calendar) == period


@pytest.mark.parametrize(
    "label", ["2025-13", "FY25", "2025-Q5", "March", "2025-02-30", "2025-W54", "2025-W1"]
)
def test_bad_labels_say_what_a_period_looks_like(label):
    with pytest.raises(PeriodError):
        parse_period(label, KC)
