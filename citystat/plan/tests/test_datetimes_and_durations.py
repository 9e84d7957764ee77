"""Datetime dates, durations and the daily and weekly grains, against pandas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.tests.datetime_dataset import load_tickets, tickets_frame
from citystat.lib.periods import FiscalCalendar
from citystat.plan.compute.engine import Context
from citystat.plan.compute.portability import missing_operation
from citystat.plan.compute.run import compute_measures
from citystat.plan.compute.spec import SpecError, check_spec, withheld_columns
from citystat.plan.manual import ManualValueError, check_entry, save_entries
from citystat.plan.models import Measure, MeasureValue, NarrativePeriodError, narrative_period
from citystat.plan.testing import add_measure

FRAME = tickets_frame()


@pytest.fixture
def tickets(db, kansas_city, tmp_path):
    return load_tickets(tmp_path, FRAME)


def computed(tickets, spec: dict[str, Any], breakdown: str = "") -> dict[str, MeasureValue]:
    measure = add_measure(
        f"m{MeasureValue.objects.count()}-{len(spec)}",
        {"dataset": "tickets", "date": "opened_at", **spec},
        dataset=tickets,
    )
    report = compute_measures([measure])
    assert not report.failed, report.failed
    rows = MeasureValue.objects.filter(measure=measure, breakdown=breakdown)
    if breakdown:
        return {f"{row.period} {row.breakdown_value}": row for row in rows}
    return {row.period: row for row in rows}


def iso_week(stamps: pd.Series) -> pd.Series:
    calendar = stamps.dt.isocalendar()
    return calendar["year"].astype(str) + "-W" + calendar["week"].astype(str).str.zfill(2)


def close(found: float | None, expected: float) -> bool:
    if found is None:
        return math.isnan(expected)
    return math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_a_weekly_count_over_a_datetime_matches_pandas_iso_weeks(tickets):
    values = computed(tickets, {"aggregate": "count", "grain": "week"})
    expected = FRAME.groupby(iso_week(FRAME["opened_at"])).size()
    assert {label: row.value for label, row in values.items()} == expected.astype(float).to_dict()
    first = values["2017-W51"]
    assert first.period_start.isoformat() == "2017-12-18"  # the Monday, before the data
    assert first.is_partial and values["2018-W10"].is_partial  # ends on Saturday 10 March
    assert not any(row.is_partial for label, row in values.items() if label not in {
        "2017-W51", "2018-W10"})  # fmt: skip
    # 2018-01-01 is a Monday: ISO week 1 of 2018 starts that day.
    assert values["2018-W01"].period_start.isoformat() == "2018-01-01"


def test_a_daily_count_puts_a_datetime_in_its_own_day(tickets):
    values = computed(tickets, {"aggregate": "count", "grain": "day"})
    expected = FRAME.groupby(FRAME["opened_at"].dt.strftime("%Y-%m-%d")).size()
    every_day = pd.date_range("2017-12-20", "2018-03-10").strftime("%Y-%m-%d")
    assert sorted(values) == list(every_day)  # days without tickets are 0, not missing
    assert {k: v.value for k, v in values.items() if v.value} == expected.astype(float).to_dict()
    assert not any(row.is_partial for row in values.values())


def test_a_month_the_data_starts_in_the_middle_of_is_partial(tickets):
    values = computed(tickets, {"aggregate": "count", "grain": "month"})
    partial = {label: row.is_partial for label, row in values.items()}
    assert partial == {"2017-12": True, "2018-01": False, "2018-02": False, "2018-03": True}


def test_mean_hours_between_two_datetimes_is_fractional_and_skips_open_tickets(tickets):
    values = computed(
        tickets,
        {"aggregate": "mean", "field": "hours_between(opened_at, resolved_at)", "grain": "week"},
    )
    hours = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 3600
    expected = hours.groupby(iso_week(FRAME["opened_at"])).mean()
    assert set(values) == set(expected.index)
    for label, mean in expected.items():
        assert close(values[label].value, mean), label
    assert any(not float(mean).is_integer() for mean in expected)


def test_median_days_between_by_month_and_ward(tickets):
    spec = {
        "aggregate": "median",
        "field": "days_between(opened_at, resolved_at)",
        "grain": "month",
        "breakdowns": ["ward"],
    }
    values = computed(tickets, spec, breakdown="ward")
    days = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 86400
    month = FRAME["opened_at"].dt.strftime("%Y-%m")
    ward = FRAME["ward"].astype(str).replace("<NA>", "(not recorded)")
    expected = days.groupby([month, ward]).median()
    for (period, area), median in expected.items():
        assert close(values[f"{period} {area}"].value, median), (period, area)


def test_days_between_two_dates_counts_whole_days(tickets):
    values = computed(
        tickets,
        {"aggregate": "sum", "field": "days_between(inspect_by, inspected_on)", "grain": "month"},
    )
    days = (FRAME["inspected_on"] - FRAME["inspect_by"]).dt.days
    expected = days.groupby(FRAME["opened_at"].dt.strftime("%Y-%m")).sum()
    assert {k: v.value for k, v in values.items()} == expected.astype(float).to_dict()


def test_a_share_condition_on_a_duration_counts_open_tickets_as_not_met(tickets):
    values = computed(
        tickets,
        {
            "aggregate": "share",
            "condition": "days_between(opened_at, resolved_at) <= 3",
            "grain": "week",
        },
    )
    days = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 86400
    met = (days <= 3).groupby(iso_week(FRAME["opened_at"])).mean() * 100
    for label, share in met.items():
        assert close(values[label].value, share), label


def test_a_filter_can_ask_for_tickets_still_open_and_late(tickets):
    values = computed(
        tickets,
        {
            "aggregate": "count",
            "filter": "hours_between(opened_at, resolved_at) is null "
            "or hours_between(opened_at, resolved_at) between 24 and 48",
            "grain": "month",
        },
    )
    hours = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 3600
    kept = FRAME[hours.isna() | hours.between(24, 48)]
    expected = kept.groupby(kept["opened_at"].dt.strftime("%Y-%m")).size()
    assert {k: v.value for k, v in values.items()} == expected.astype(float).to_dict()


def schemas(tickets) -> dict[str, Any]:
    return {"tickets": tickets.table_schema}


@pytest.mark.parametrize("key", ["field", "condition"])
def test_days_between_a_text_field_names_the_field_and_its_type(tickets, key):
    spec = {"dataset": "tickets", "date": "opened_at", "grain": "week", "aggregate": "mean"}
    if key == "condition":
        spec = {**spec, "aggregate": "share", "condition": "days_between(opened_at, kind) > 2"}
    else:
        spec = {**spec, "field": "days_between(kind, resolved_at)"}
    with pytest.raises(SpecError) as raised:
        check_spec(spec, schemas(tickets))
    assert raised.value.problems == [
        f"{key}: days_between: field 'kind' is string, not a date or datetime field."
    ]


def test_a_duration_needs_two_known_fields(tickets):
    spec = {"dataset": "tickets", "date": "opened_at", "grain": "day", "aggregate": "mean"}
    with pytest.raises(SpecError) as raised:
        check_spec({**spec, "field": "hours_between(opened_at)"}, schemas(tickets))
    assert "takes two date or datetime fields" in raised.value.problems[0]
    with pytest.raises(SpecError) as raised:
        check_spec({**spec, "field": "hours_between(opened_at, closed)"}, schemas(tickets))
    assert "unknown field 'closed'" in raised.value.problems[0]
    with pytest.raises(SpecError):
        check_spec({**spec, "aggregate": "count", "field": "hours_between(a, b)"}, schemas(tickets))


def test_a_duration_reading_a_withheld_column_is_seen_by_the_privacy_rule(tickets):
    schema = {
        "fields": [
            {**field, "public": field["name"] != "resolved_at"}
            for field in tickets.table_schema["fields"]
        ]
    }
    spec = {
        "dataset": "tickets",
        "date": "opened_at",
        "aggregate": "mean",
        "field": "days_between(opened_at, resolved_at)",
        "grain": "week",
    }
    assert withheld_columns(spec, {"tickets": schema}, {}) == [("tickets", "resolved_at")]


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
def test_durations_and_weeks_compile_on_every_warehouse_engine(tickets, dialect):
    for spec in (
        {"aggregate": "mean", "field": "hours_between(opened_at, resolved_at)", "grain": "week"},
        {"aggregate": "share", "condition": "days_between(inspect_by, inspected_on) > 0",
         "grain": "day"},
        {"aggregate": "median", "field": "days_between(inspect_by, resolved_at)",
         "grain": "day"},
    ):  # fmt: skip
        checked = check_spec({"dataset": "tickets", "date": "opened_at", **spec}, schemas(tickets))
        context = Context(FiscalCalendar())
        assert missing_operation(checked, tickets.table_schema, context, dialect) is None


def test_an_engine_without_weeks_is_known_before_any_page_view(tickets):
    spec = {"dataset": "tickets", "date": "opened_at", "aggregate": "count", "grain": "week"}
    checked = check_spec(spec, schemas(tickets))
    missing = missing_operation(checked, tickets.table_schema, Context(FiscalCalendar()), "mysql")
    assert missing is not None and "WEEK" in missing


def responses_frame() -> pd.DataFrame:
    """Survey answers stamped with when each respondent finished, weighted, two areas."""
    generator = np.random.default_rng(5)
    rows = 240
    finished = pd.Timestamp("2018-01-02 07:00") + pd.to_timedelta(
        generator.integers(0, 80 * 86_400, rows), unit="s"
    )
    return pd.DataFrame(
        {
            "response_id": np.arange(1, rows + 1),
            "finished_at": finished,
            "area": generator.choice(["North", "South"], rows),
            "weight": generator.uniform(0.5, 2.0, rows).round(3),
            "parks_rating": generator.integers(1, 6, rows),
        }
    )


def test_a_weighted_survey_share_by_week_over_a_datetime_matches_pandas(db, kansas_city, tmp_path):
    frame = responses_frame()
    text = frame.assign(finished_at=frame["finished_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    text.to_csv(tmp_path / "responses.csv", index=False)
    schema = {
        "fields": [
            {"name": "response_id", "type": "integer"},
            {"name": "finished_at", "type": "datetime"},
            {"name": "area", "type": "string"},
            {"name": "weight", "type": "number"},
            {"name": "parks_rating", "type": "integer"},
        ]
    }
    dataset = Dataset.objects.create(slug="responses", title="Responses", table_schema=schema)
    ingest(dataset, tmp_path / "responses.csv")
    spec = {
        "dataset": "responses",
        "date": "finished_at",
        "aggregate": "share",
        "condition": "parks_rating >= 4",
        "grain": "week",
        "survey": {"weight": "weight"},
        "breakdowns": ["area"],
    }
    measure = add_measure("parks", spec, dataset=dataset)
    report = compute_measures([measure])
    assert not report.failed, report.failed
    stored = {
        (row.period, row.breakdown_value): row
        for row in MeasureValue.objects.filter(measure=measure)
    }
    frame["week"] = iso_week(frame["finished_at"])
    frame["met"] = (frame["parks_rating"] >= 4) * frame["weight"]
    for keys, group in [
        *(((week, ""), group) for week, group in frame.groupby("week")),
        *frame.groupby(["week", "area"]),
    ]:
        row = stored[keys]
        assert row.ci_n == len(group), keys
        assert close(row.value, group["met"].sum() / group["weight"].sum() * 100), keys


def test_a_weekly_manual_measure_takes_iso_week_labels_and_refuses_months(db, kansas_city):
    measure = add_measure("weekly-typed", {})
    measure.frequency = Measure.Frequency.WEEK
    measure.save()
    entry = check_entry(measure, "2018-W01", "12", "the week's log")
    assert (entry.period, entry.value) == ("2018-W01", 12.0)
    save_entries(measure, [entry])
    value = MeasureValue.objects.get(measure=measure)
    assert (value.period_start.isoformat(), value.period_end.isoformat()) == (
        "2018-01-01",
        "2018-01-07",
    )
    with pytest.raises(ManualValueError, match="reported by week; '2018-01' is a month"):
        check_entry(measure, "2018-01", "12", "log")
    with pytest.raises(ManualValueError, match="no week 54"):
        check_entry(measure, "2018-W54", "12", "log")
    assert narrative_period(measure, "2019-W01") == "2019-W01"
    with pytest.raises(NarrativePeriodError, match="an ISO week such as"):
        narrative_period(measure, "2018-12-31")


def test_a_column_whose_name_holds_parentheses_is_still_a_column(tickets):
    schema = {"fields": [*tickets.table_schema["fields"], {"name": "cost (usd)", "type": "number"}]}
    spec = {
        "dataset": "tickets",
        "date": "opened_at",
        "aggregate": "sum",
        "field": "cost (usd)",
        "grain": "week",
    }
    checked = check_spec(spec, {"tickets": schema})
    assert (checked.field, checked.field_expression) == ("cost (usd)", None)
    withheld = {"fields": [{**f, "public": f["name"] != "cost (usd)"} for f in schema["fields"]]}
    assert withheld_columns(spec, {"tickets": withheld}, {}) == [("tickets", "cost (usd)")]
