"""plan/display.py: each unit in English and Spanish, and the edge cases (no value, 0,
negative, huge, tiny shares, partial periods). Expected strings are written out by hand
from the CLDR rules (English "1,234.5", Spanish "1.234,5"), not from Babel's output."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from citystat.city.models import CityProfile
from citystat.lib.charts import inline_svg
from citystat.plan import display
from citystat.plan.charts import measure_chart, value_axis
from citystat.plan.models import Measure, MeasureValue, Target
from citystat.plan.outlook import outlook
from citystat.plan.testing import add_measure

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "unit", "english", "spanish"),
    [
        (65, "percent", "65.0%", f"65,0{NBSP}%"),
        (61.64, "percent", "61.6%", f"61,6{NBSP}%"),
        (0, "percent", "0.0%", f"0,0{NBSP}%"),
        (12345, "count", "12,345", "12.345"),
        (0, "count", "0", "0"),
        (-42, "count", "-42", "-42"),
        (1_234_567_890, "count", "1,234,567,890", "1.234.567.890"),
        (4000, "dollars", "$4,000", f"4.000{NBSP}US$"),
        (-300, "dollars", "-$300", f"-300{NBSP}US$"),
        (10, "days", "10.0 days", "10,0 días"),
        (4.25, "days", "4.2 days", "4,2 días"),
        (3.5, "hours", "3.5 hours", "3,5 horas"),
        (4.256, "rate_per_1000", "4.26 per 1,000 residents", "4,26 por cada 1.000 residentes"),
        (57.7, "score", "57.7", "57,7"),
        (-0.01, "score", "0.0", "0,0"),  # never "-0.0"
        (0.004, "a-unit-not-known-yet", "0.00", "0,00"),
    ],
)
def test_each_unit_reads_in_english_and_spanish(value, unit, english, spanish):
    assert display.value_text(value, unit, "en") == english
    assert display.value_text(value, unit, "es") == spanish


def test_no_value_is_a_dash_in_every_form():
    for unit in ("count", "percent", "dollars", "days"):
        assert display.value_text(None, unit, "es") == "—"
        assert display.change(None, unit, "en") == "—"
    assert display.share(None, 10) == "—"
    assert display.share(3, 0) == "—"  # no whole to be a share of
    assert display.interval(None, 3.0, "percent") == ""
    assert display.date_text(None) == "—"
    assert display.value_text(float("nan"), "days", "en") == "—"
    assert display.value_text(float("inf"), "percent", "es") == "—"


def test_the_active_language_is_the_default():
    with translation.override("es"):
        assert display.value_text(1234.5, "days") == "1.234,5 días"
    with translation.override("en"):
        assert display.value_text(1234.5, "days") == "1,234.5 days"


def test_any_locale_django_knows_gets_its_own_separators():
    assert display.value_text(1234567, "count", "de") == "1.234.567"
    assert display.value_text(1234567, "count", "fr") == f"1{chr(0x202F)}234{chr(0x202F)}567"
    assert display.value_text(1234567, "dollars", "en-in") == "$12,34,567"
    # A code Babel cannot read falls back to English rather than failing the page.
    assert display.value_text(1234.5, "days", "xx-nowhere") == "1,234.5 days"


def test_target_tolerance_change_and_interval_share_the_value_precision():
    assert display.target_text(65, "percent", "en") == "65.0%"
    assert display.tolerance_text(2, "percent", "en") == f"±{NBSP}2.0 percentage points"
    assert display.tolerance_text(2, "percent", "es") == f"±{NBSP}2,0 puntos porcentuales"
    assert display.tolerance_text(1.5, "days", "en") == f"±{NBSP}1.5 days"
    assert display.change(2.5, "percent", "en") == "+2.5 percentage points"
    assert display.change(-300, "dollars", "en") == "\u2212$300"
    assert display.change(0.01, "count", "en") == "0"  # rounds to no change: no sign
    assert display.interval(58.21, 64.93, "percent", "en") == "58.2–64.9%"
    assert display.interval(58.21, 64.93, "percent", "es") == f"58,2–64,9{NBSP}%"
    assert display.plus_minus(65, 2, "percent", "en") == f"65.0 ±{NBSP}2.0%"


@pytest.mark.parametrize(
    ("part", "whole", "english", "spanish"),
    [
        (109, 30_000, "0.4%", f"0,4{NBSP}%"),  # was "0%" for 109 requests
        (1, 30_000, "<0.1%", f"<0,1{NBSP}%"),
        (0, 30_000, "0%", f"0{NBSP}%"),
        (5_000, 30_000, "17%", f"17{NBSP}%"),
        (30_000, 30_000, "100%", f"100{NBSP}%"),
    ],
)
def test_a_share_is_never_rounded_to_nothing(part, whole, english, spanish):
    assert display.share(part, whole, "en") == english
    assert display.share(part, whole, "es") == spanish
    assert display.fraction(part / whole, "en") == english


def test_dates_read_in_the_readers_language():
    day = dt.date(2026, 6, 30)
    assert display.date_text(day, "en") == "30 June 2026"
    assert display.date_text(day, "es") == "30 de junio de 2026"
    assert display.date_text(dt.datetime(2026, 6, 30, 23, 0), "es") == "30 de junio de 2026"


@pytest.mark.parametrize(
    ("start", "end", "grain", "today", "english", "spanish"),
    [
        (
            dt.date(2026, 4, 1),
            dt.date(2026, 6, 30),
            "quarter",
            dt.date(2026, 4, 15),
            "partial — 1 of 3 months in",
            "parcial: 1 de 3 meses transcurridos",
        ),
        (
            dt.date(2025, 7, 1),
            dt.date(2026, 6, 30),
            "fiscal_year",
            dt.date(2026, 1, 31),
            "partial — 7 of 12 months in",
            "parcial: 7 de 12 meses transcurridos",
        ),
        (
            dt.date(2026, 6, 1),
            dt.date(2026, 6, 30),
            "month",
            dt.date(2026, 6, 20),
            "partial — 20 of 30 days in",
            "parcial: 20 de 30 días transcurridos",
        ),
        (
            dt.date(2026, 6, 1),
            dt.date(2026, 6, 7),
            "week",
            dt.date(2026, 6, 3),
            "partial — 3 of 7 days in",
            "parcial: 3 de 7 días transcurridos",
        ),
        # The data starts inside the period: not "running", so no count is claimed.
        (
            dt.date(2017, 10, 1),
            dt.date(2017, 12, 31),
            "quarter",
            dt.date(2026, 6, 3),
            "partial period",
            "periodo parcial",
        ),
    ],
)
def test_a_partial_period_says_how_far_in_it_is(start, end, grain, today, english, spanish):
    assert display.partial_text(start, end, grain, today, "en") == english
    assert display.partial_text(start, end, grain, today, "es") == spanish


def test_axis_titles_come_from_the_measure():
    assert display.axis_title("Residents satisfied", "percent", "en") == "Residents satisfied (%)"
    assert display.axis_title("Baches reparados", "count", "es") == "Baches reparados (cantidad)"
    assert display.axis_title("Spending", "dollars", "en") == "Spending (dollars)"


# ---------------------------------------------------------------- charts and forecast


@pytest.fixture
def survey_measure(db):
    CityProfile.objects.create(name="Testville")
    measure = add_measure("satisfied", {}, unit="percent")
    measure.title = "Residents satisfied"
    measure.save()
    for year, value in [(2023, 55.0), (2024, 58.0), (2025, 61.64)]:
        MeasureValue.objects.create(
            measure=measure,
            period=str(year),
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            value=value,
            ci_lower=value - 3,
            ci_upper=value + 3,
        )
    Target.objects.create(measure=measure, fiscal_year=2025, value=70, tolerance=2)
    return measure


def test_a_survey_chart_titles_its_axis_from_the_measure_not_low_percent(survey_measure):
    """Was "low, percent": each layer without a title added its field to the shared axis."""

    spec = measure_chart(survey_measure)
    titles = {
        layer["encoding"]["y"].get("title") for layer in spec["layer"] if "y" in layer["encoding"]
    }
    assert titles == {"Residents satisfied (%)"}
    svg = inline_svg(spec, "chart")
    assert "Residents satisfied (%)" in svg
    assert not re.search(r">[^<]*\blow\b[^<]*<", svg)


def test_count_axes_tick_only_on_whole_numbers_and_charts_speak_the_readers_language(db):
    assert value_axis(Measure(unit="count"), ",.0f")["tickMinStep"] == 1
    assert "tickMinStep" not in value_axis(Measure(unit="percent"), ",.1f")
    assert display.chart_format("dollars") == "$,.0f"
    assert display.chart_format("days") == ",.1f"
    spanish = display.chart_locale("es")
    assert spanish["number"]["decimal"] == "," and spanish["number"]["thousands"] == "."
    assert spanish["number"]["currency"] == ["", f"{NBSP}US$"]
    assert spanish["time"]["months"][0] == "enero"
    assert spanish["time"]["days"][0] == "domingo"  # d3 weeks start on Sunday
    assert display.chart_locale("en")["number"]["currency"] == ["$", ""]


def test_the_forecast_names_the_target_in_the_measures_unit(survey_measure):
    survey_measure.unit = "dollars"
    survey_measure.save()
    survey_measure.targets.update(value=4000)
    assert "target of $4,000" in outlook(survey_measure).sentence
    with translation.override("es"):
        assert f"4.000{NBSP}US$" in outlook(survey_measure).sentence
