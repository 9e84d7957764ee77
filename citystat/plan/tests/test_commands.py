"""citystat compute, measures, values and plan health, as a person at a terminal uses them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from citystat.plan import display
from citystat.plan.compute import portability
from citystat.plan.models import Target
from citystat.plan.outlook import outlook
from citystat.plan.tests.test_compute_values import make_measure
from citystat.plan.value_records import PUBLISHED_FIELDS

pytestmark = pytest.mark.usefixtures("requests")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def potholes():
    measure = make_measure(
        {"aggregate": "count", "grain": "fiscal_year", "breakdowns": ["council_district"]},
        slug="potholes",
    )
    Target.objects.create(measure=measure, fiscal_year=2025, value=5, tolerance=1)
    return measure


def test_compute_reports_what_it_stored(potholes):
    assert "Computed 1 measures" in run("compute")


def test_compute_since_keeps_earlier_values(potholes):
    run("compute")
    potholes.values.filter(period="FY2024").update(value=99)
    run("compute", "--since", "FY2025")
    assert potholes.values.get(period="FY2024", breakdown="").value == 99


def test_compute_refuses_an_unknown_measure_and_a_bad_period(potholes):
    with pytest.raises(CommandError, match="no computed measure 'nope'"):
        run("compute", "--measure", "nope")
    with pytest.raises(CommandError, match="--since: 'May' is not a period"):
        run("compute", "--since", "May")


def test_measures_json_lists_latest_value_target_and_status(potholes):
    run("compute")
    (row,) = json.loads(run("measures", "--json"))
    assert (row["slug"], row["period"], row["value"], row["target"]) == ("potholes", "FY2025", 5, 5)
    assert row["status"] == "on_track"


def test_the_terminal_shows_values_and_targets_as_the_pages_do(potholes):
    # A count of 12,345 with its target reads "12,345", not "1.234e+04" (",.4g").
    run("compute")
    potholes.values.filter(period="FY2025", breakdown="").update(value=12345)
    Target.objects.filter(measure=potholes).update(value=12000)
    shown = display.value_text(12345, potholes.unit)
    assert shown == "12,345"
    table = run("measures")
    assert shown in table and display.target_text(12000, potholes.unit) in table
    assert f"FY2025  {shown}" in run("values", "potholes")


def test_values_csv_by_breakdown(potholes):
    run("compute")
    rows = list(
        csv.DictReader(io.StringIO(run("values", "potholes", "--by", "council_district", "--csv")))
    )
    assert list(rows[0]) == list(PUBLISHED_FIELDS)
    assert {(r["period"], r["breakdown"], r["breakdown_value"], r["value"]) for r in rows} >= {
        ("FY2025", "council_district", "2", "3.0")
    }


def test_values_refuses_a_field_the_measure_is_not_broken_down_by(potholes):
    with pytest.raises(CommandError, match="not broken down by 'neighborhood'"):
        run("values", "potholes", "--by", "neighborhood")


def test_plan_health_lists_gaps(potholes):
    out = run("plan", "health", "--plan", "p")
    assert "measure potholes: has no baseline" in out
    assert "measure potholes: has no values yet" in out


def test_outlook_says_when_a_target_is_reached(potholes):
    run("compute")
    text = outlook(potholes)
    assert text.sentence  # three fiscal years: a trend exists


def test_plan_health_names_a_filter_that_finds_nothing(potholes):
    make_measure(
        {"aggregate": "count", "grain": "fiscal_year", "filter": "category = 'Potholes'"},
        slug="misspelled",
    )
    run("compute")
    out = run("plan", "health", "--plan", "p")
    assert "measure misspelled: finds no data: every computed value is empty or 0" in out
    assert "measure potholes: finds no data" not in out


def test_commands_compile_every_measure_only_when_a_database_is_named(potholes, monkeypatch):
    # Compiling the whole plan costs seconds: it must not run before every command.

    engines_asked: list[str] = []

    def record(engine_name: str) -> dict[str, str]:
        engines_asked.append(engine_name)
        return {}

    monkeypatch.setattr(portability, "measures_an_engine_cannot_compute", record)
    run("check")
    run("measures")
    assert engines_asked == []
    run("check", "--database", "default")
    assert engines_asked == ["duckdb"]
