"""The measure builder: specs from pickers, checked as the plan import checks them and
previewed on the warehouse; every number checked against pandas over the same rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from ibis.backends.duckdb import Backend

from citystat.catalog.ingest import ingest
from citystat.plan.builder import add_condition, distinct_values, preview, spec_from_picks
from citystat.plan.compute import compiled
from citystat.plan.compute.run import dataset_schemas
from citystat.plan.compute.spec import SpecError, check_spec
from citystat.plan.tests.conftest import REQUESTS_CSV

pytestmark = pytest.mark.usefixtures("requests")

ROWS = pd.read_csv(io.StringIO(REQUESTS_CSV), parse_dates=["created_date", "closed_date"])
PICKS = {
    "dataset": "requests",
    "date": "created_date",
    "filter": "category = 'Pothole'",
    "aggregate": "count",
    "grain": "fiscal_year",
    "cumulative": False,
    "breakdowns": [],
}


def test_the_preview_counts_what_pandas_counts_per_fiscal_year():
    result = preview(spec_from_picks(PICKS), "new-measure")
    assert result.is_valid, (result.problems, result.general)
    potholes = ROWS[ROWS.category == "Pothole"]
    # Kansas City's fiscal year starts on 1 May: FY2025 runs 2024-05-01..2025-04-30.
    fiscal_year = potholes.created_date.apply(lambda d: d.year + (1 if d.month >= 5 else 0))
    expected = {f"FY{year}": float(n) for year, n in fiscal_year.value_counts().items()}
    assert {v.period.label: v.value for v in result.overall} == expected
    assert (result.matched, result.total) == (len(potholes), len(ROWS))


def test_a_share_with_breakdowns_matches_pandas():
    picks = {
        **PICKS,
        "aggregate": "share",
        "condition": "days_to_close <= 7",
        "grain": "year",
        "breakdowns": ["council_district"],
    }
    result = preview(spec_from_picks(picks), "new-measure")
    assert result.is_valid, (result.problems, result.general)
    potholes = ROWS[(ROWS.category == "Pothole") & (ROWS.created_date.dt.year == 2024)]
    by_district = {
        str(district): 100 * float((rows.days_to_close <= 7).sum()) / len(rows)
        for district, rows in potholes.groupby("council_district")
    }
    got = {
        v.breakdown_value: v.value
        for v in result.values
        if v.breakdown == "council_district" and v.period.label == "2024"
    }
    assert got == pytest.approx(by_district)


def test_problems_are_the_plan_imports_own_messages_by_picker():
    spec = spec_from_picks({**PICKS, "filter": "categry = 'Pothole'", "grain": "fortnight"})
    result = preview(spec, "new-measure")
    assert not result.is_valid and not result.values
    with pytest.raises(SpecError) as raised:
        check_spec(spec, dataset_schemas())
    expected = {path: message for path, message in raised.value.located}
    assert result.problems == {"grain": [expected["grain"]]}
    fixed = preview(spec_from_picks({**PICKS, "filter": "categry = 'Pothole'"}), "m")
    assert fixed.problems["filter"][0].startswith("unknown field 'categry'")


def test_the_filter_is_assembled_from_picks_and_quotes_the_value():
    expression = add_condition("", "category", "=", "Pothole")
    assert add_condition(expression, "category", "!=", "O'Brien") == (
        "category = 'Pothole' AND category != 'O''Brien'"
    )
    result = preview(spec_from_picks({**PICKS, "filter": expression}), "m")
    assert result.matched == int((ROWS.category == "Pothole").sum())


def test_distinct_values_come_from_the_warehouse_most_frequent_first(requests):
    assert distinct_values(requests, "category") == list(ROWS.category.value_counts().index)
    assert distinct_values(requests, "category", cap=1) == ["Pothole"]
    assert distinct_values(requests, "created_date") == []  # only text fields are offered


def test_withheld_columns_are_not_offered_and_refused_in_a_public_measure(requests):
    schema = dict(requests.table_schema)
    schema["fields"] = [
        {**f, "public": False} if f["name"] == "category" else f for f in schema["fields"]
    ]
    requests.table_schema = schema
    requests.save()
    assert distinct_values(requests, "category") == []
    refused = preview(spec_from_picks(PICKS), "m", is_public=True)
    assert "is not public" in refused.general[0] and not refused.values
    assert preview(spec_from_picks(PICKS), "m", is_public=False).is_valid


def test_keys_the_builder_cannot_pick_are_kept_and_empty_picks_left_out():
    base = {"dataset": "requests", "scale": 100, "filter": "old"}
    spec = spec_from_picks({**PICKS, "filter": ""}, base)
    assert spec["scale"] == 100 and "filter" not in spec and "breakdowns" not in spec
    assert spec_from_picks({"dataset": ""}, base) == {}


def test_a_ratio_of_measures_has_no_dataset_picker_and_is_kept_whole():
    ratio = {
        "aggregate": "ratio",
        "numerator": {"measure": "a"},
        "denominator": {"measure": "b"},
        "grain": "month",
    }
    assert spec_from_picks({"dataset": "", "grain": "year"}, ratio) == ratio


def test_a_preview_redrawn_compiles_nothing_again_and_counts_the_same(monkeypatch):
    """A pick redraws the preview: the second time every statement is a kept one (#19)."""

    compiled.forget_statements()
    spec = spec_from_picks({**PICKS, "grain": "month"})
    first = preview(spec, "new-measure")
    calls: list[str] = []
    for name in ("compile", "execute", "to_pyarrow"):
        real = getattr(Backend, name)

        def spied(self, *args, real=real, name=name, **kwargs):
            calls.append(name)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Backend, name, spied)
    second = preview(spec, "new-measure")
    assert calls == []
    potholes = ROWS[ROWS.category == "Pothole"]
    assert (second.matched, second.total) == (first.matched, first.total)
    assert (second.matched, second.total) == (len(potholes), len(ROWS))
    assert [(v.period.label, v.value) for v in second.values] == [
        (v.period.label, v.value) for v in first.values
    ]


def test_a_new_version_is_previewed_anew_not_from_the_kept_counts(
    requests, tmp_path, django_capture_on_commit_callbacks
):
    spec = spec_from_picks({**PICKS, "grain": "year"})
    before = preview(spec, "new-measure")
    path = tmp_path / "more.csv"
    path.write_text(REQUESTS_CSV + "8,Pothole,2026-02-01,,,1,\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        ingest(requests, path)
    after = preview(spec, "new-measure")
    assert (after.matched, after.total) == (before.matched + 1, before.total + 1)
    # The span reaches the new row's year, read from the new version too.
    assert {v.period.label: v.value for v in after.overall}["2026"] == 1
    assert "2026" not in {v.period.label for v in before.overall}
