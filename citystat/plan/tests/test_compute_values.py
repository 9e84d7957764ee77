"""Computed values against answers worked out by hand on the seven-request fixture."""

from __future__ import annotations

from typing import Any

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan import models
from citystat.plan.compute.run import compute_measures, measures_changed_since_computed
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV


def make_measure(spec: dict[str, Any], slug: str = "m") -> Measure:
    return add_measure(
        slug,
        {"dataset": "requests", "date": "created_date", **spec},
        dataset=Dataset.objects.get(slug="requests"),
    )


def values(spec: dict[str, Any], breakdown: str = "") -> dict[str, float | None]:
    measure = make_measure(spec, slug=f"m{Measure.objects.count()}")
    report = compute_measures([measure])
    assert not report.failed, report.failed
    rows = MeasureValue.objects.filter(measure=measure, breakdown=breakdown)
    if breakdown:
        return {f"{row.period} {row.breakdown_value}": row.value for row in rows}
    return {row.period: row.value for row in rows}


pytestmark = pytest.mark.usefixtures("requests")


def test_count_by_fiscal_year_puts_30_april_and_1_may_in_different_years():
    assert values({"aggregate": "count", "grain": "fiscal_year"}) == {
        "FY2024": 1,
        "FY2025": 5,
        "FY2026": 1,
    }


def test_count_by_month_fills_months_without_rows_with_zero():
    counted = values({"aggregate": "count", "grain": "month", "filter": "category = 'Pothole'"})
    assert len(counted) == 14  # 2024-04 .. 2025-05
    assert (counted["2024-04"], counted["2024-05"], counted["2024-06"]) == (1, 2, 1)
    assert counted["2024-12"] == 0 and counted["2025-05"] == 1


def test_count_by_calendar_quarter_and_year():
    assert values({"aggregate": "count", "grain": "quarter"})["2024-Q2"] == 5
    assert values({"aggregate": "count", "grain": "year"}) == {"2024": 5, "2025": 2}


def test_sum_mean_median_and_percentile_skip_missing_values():
    spec = {"field": "days_to_close", "grain": "fiscal_year"}
    assert values({**spec, "aggregate": "sum"})["FY2025"] == 18
    assert values({**spec, "aggregate": "mean"})["FY2025"] == 4.5
    assert values({**spec, "aggregate": "median"})["FY2025"] == 3.5
    # Interpolated: sorted 1, 2, 5, 10; position 0.9 × 3 = 2.7 → 5 + 0.7 × 5.
    assert values({**spec, "aggregate": "percentile", "percentile": 90})["FY2025"] == 8.5


def test_distinct_count():
    spec = {"aggregate": "distinct_count", "field": "category", "grain": "fiscal_year"}
    assert values(spec) == {"FY2024": 1, "FY2025": 2, "FY2026": 1}


def test_share_counts_rows_with_unknown_values_as_not_meeting_the_condition():
    spec = {"aggregate": "share", "condition": "days_to_close <= 7", "grain": "fiscal_year"}
    assert values(spec)["FY2025"] == 60.0


def test_share_stores_numerator_and_denominator():
    measure = make_measure(
        {"aggregate": "share", "condition": "not late", "grain": "fiscal_year"}, slug="s"
    )
    compute_measures([measure])
    row = MeasureValue.objects.get(measure=measure, period="FY2025", breakdown="")
    assert (row.numerator, row.denominator, row.value) == (3, 5, 60.0)


def test_backlog_counts_items_open_at_each_period_end():
    backlog = values({"aggregate": "backlog", "closed": "closed_date", "grain": "month"})
    assert backlog["2024-04"] == 1  # request 1 closes on 3 May
    assert backlog["2024-05"] == 1  # only request 3, never closed
    assert backlog["2025-04"] == 2  # request 3 and request 6 (closed 2 May)
    assert backlog["2025-05"] == 1


def test_latest_takes_the_rows_of_the_last_date_in_the_period():
    spec = {"aggregate": "latest", "field": "days_to_close", "grain": "fiscal_year"}
    assert values(spec)["FY2025"] == 2  # request 6 on 30 April


def test_ratio_divides_two_sums_and_scales():
    spec = {
        "aggregate": "ratio",
        "numerator": {"aggregate": "sum", "field": "days_to_close", "filter": "category = 'Trash'"},
        "denominator": {"aggregate": "sum", "field": "days_to_close"},
        "scale": 100,
        "grain": "fiscal_year",
    }
    assert values(spec)["FY2025"] == pytest.approx(300 / 18)


def test_ratio_over_a_zero_denominator_has_no_value_rather_than_failing():
    spec = {
        "aggregate": "ratio",
        "numerator": {"aggregate": "count"},
        "denominator": {"aggregate": "count", "filter": "category = 'Trash'"},
        "grain": "fiscal_year",
    }
    assert values(spec) == {"FY2024": None, "FY2025": 2.5, "FY2026": None}


def test_rate_per_1000_residents_uses_the_city_population():
    assert values({"aggregate": "rate_per_1000", "grain": "fiscal_year"})["FY2025"] == 0.5


def test_cumulative_count_adds_up_within_the_fiscal_year_and_restarts_in_may():
    spec = {"aggregate": "count", "grain": "month", "filter": "category = 'Pothole'"}
    running = values({**spec, "cumulative": True})
    assert running["2024-04"] == 1
    assert (running["2024-05"], running["2024-06"], running["2025-04"]) == (2, 3, 3)
    assert running["2025-05"] == 1


def test_cumulative_share_divides_the_running_parts():
    spec = {"aggregate": "share", "condition": "days_to_close <= 7", "grain": "month"}
    running = values({**spec, "cumulative": True})
    assert running["2024-05"] == 0.0
    assert running["2024-06"] == 50.0  # 2 met of 4 since 1 May


def test_breakdown_by_council_district():
    spec = {"aggregate": "count", "grain": "fiscal_year", "breakdowns": ["council_district"]}
    by_district = values(spec, breakdown="council_district")
    assert by_district["FY2025 1"] == 1
    assert by_district["FY2025 2"] == 3
    assert by_district["FY2025 3"] == 1
    assert by_district["FY2026 1"] == 0


def test_a_period_the_data_does_not_cover_from_start_to_end_is_partial():
    measure = make_measure({"aggregate": "count", "grain": "fiscal_year"}, slug="c")
    compute_measures([measure])
    partial = dict(MeasureValue.objects.filter(measure=measure).values_list("period", "is_partial"))
    # The data starts in April 2024, within FY2024 (May to April), and ends within FY2026.
    assert partial == {"FY2024": True, "FY2025": False, "FY2026": True}


@pytest.mark.parametrize(
    "spec",
    [
        {"aggregate": "mean", "field": "days_to_close"},
        {"aggregate": "median", "field": "days_to_close"},
        {"aggregate": "share", "condition": "days_to_close <= 7"},
    ],
)
def test_an_average_or_share_of_a_period_the_data_covers_in_part_is_partial_too(spec):
    """A fiscal year with one month of data is not judged on that month (#20): the data
    runs from April 2024 (inside FY2024) to May 2025 (inside FY2026)."""
    measure = make_measure({**spec, "grain": "fiscal_year"}, slug="avg")
    compute_measures([measure])
    partial = dict(
        MeasureValue.objects.filter(measure=measure, breakdown="").values_list(
            "period", "is_partial"
        )
    )
    assert partial == {"FY2024": True, "FY2025": False, "FY2026": True}


def test_every_value_records_the_dataset_version_it_came_from(requests):
    measure = make_measure({"aggregate": "count", "grain": "year"}, slug="v")
    compute_measures([measure])
    versions = {row.dataset_version for row in MeasureValue.objects.filter(measure=measure)}
    assert versions == {requests.latest_version}


def test_a_broken_spec_is_reported_and_the_other_measures_still_compute():
    broken = make_measure({"aggregate": "count", "grain": "month", "filter": "x = 1"}, slug="b")
    good = make_measure({"aggregate": "count", "grain": "year"}, slug="g")
    report = compute_measures([broken, good])
    assert report.failed == {"b": "filter: unknown field 'x'"}
    assert report.computed["g"] == 2


def test_a_new_load_of_the_dataset_recomputes_its_measures(
    requests, tmp_path, django_capture_on_commit_callbacks
):
    measure = make_measure({"aggregate": "count", "grain": "year"}, slug="reloaded")
    compute_measures([measure])
    path = tmp_path / "more.csv"
    path.write_text(REQUESTS_CSV + "8,Trash,2025-06-01,,,1,\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        version = ingest(requests, path)
    row = MeasureValue.objects.get(measure=measure, period="2025", breakdown="")
    assert (row.value, row.dataset_version) == (3, version)


def test_a_year_number_field_places_rows_in_fiscal_years(kansas_city, tmp_path):
    budget = Dataset.objects.create(
        slug="budget",
        title="Budget",
        table_schema={
            "fields": [
                {"name": "fiscal_year", "type": "integer"},
                {"name": "amended", "type": "number"},
                {"name": "actual", "type": "number"},
            ]
        },
    )
    path = tmp_path / "budget.csv"
    path.write_text("fiscal_year,amended,actual\n2024,100,90\n2024,100,100\n2025,50,\n")
    ingest(budget, path)
    measure = make_measure({"aggregate": "count", "grain": "year"}, slug="budget-ratio")
    measure.spec = {
        "dataset": "budget",
        "date": "fiscal_year",
        "aggregate": "ratio",
        "numerator": {"aggregate": "sum", "field": "actual"},
        "denominator": {"aggregate": "sum", "field": "amended"},
        "scale": 100,
        "grain": "fiscal_year",
    }
    measure.save()
    compute_measures([measure])
    got = dict(MeasureValue.objects.filter(measure=measure).values_list("period", "value"))
    assert got == {"FY2024": 95.0, "FY2025": None}


def test_a_filter_that_matches_nothing_is_a_warning_not_a_failure():
    measure = make_measure(
        {"aggregate": "count", "grain": "year", "filter": "category = 'Potholes'"}
    )
    report = compute_measures([measure])
    assert "no rows match its filter" in report.warnings["m"]
    assert set(MeasureValue.objects.filter(measure=measure).values_list("value", flat=True)) == {0}


def test_new_compute_rules_make_every_computed_measure_changed(requests, monkeypatch):
    add_measure(
        "rules",
        {"dataset": "requests", "date": "created_date", "aggregate": "count", "grain": "month"},
    )
    compute_measures()
    assert measures_changed_since_computed() == []
    monkeypatch.setattr(models, "COMPUTE_RULES", models.COMPUTE_RULES + 1)
    assert [m.slug for m in measures_changed_since_computed()] == ["rules"]
