"""The aggregate registry is the one place an aggregate is described (#22): the checker,
the compiler and the docs all read it, so a new aggregate is an entry, a test and a line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import get_args

import pandas as pd
import pytest

from citystat.catalog.models import Dataset
from citystat.plan.compute import aggregates
from citystat.plan.compute.aggregates import (
    AGGREGATES,
    REGISTRY,
    Aggregate,
    AggregateName,
    docs_table,
    field_value,
    names_where,
)
from citystat.plan.compute.run import compute_measures, dataset_schemas
from citystat.plan.compute.spec import SpecError, check_spec
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV

DOCS = Path(__file__).resolve().parents[3] / "docs" / "measures.md"


def test_every_name_of_the_literal_has_one_entry_under_its_own_name():
    assert sorted(get_args(AggregateName)) == sorted(REGISTRY)
    assert all(name == entry.name for name, entry in REGISTRY.items())
    assert tuple(REGISTRY) == AGGREGATES


def test_the_flags_are_the_rules_the_spec_checker_and_compiler_kept_before():
    # The sets spec.py and engine.py kept before the registry, written out once more.
    assert set(names_where("cumulative_ok")) == {
        "count",
        "sum",
        "mean",
        "share",
        "ratio",
        "rate_per_1000",
    }
    assert set(names_where("additive")) == {
        "count",
        "sum",
        "rate_per_1000",
        "distinct_count",
        "backlog",
    }
    assert set(names_where("summable")) == {
        "count",
        "sum",
        "mean",
        "share",
        "ratio",
        "rate_per_1000",
    }
    needs = {name for name, entry in REGISTRY.items() if entry.field in ("any", "number")}
    assert needs == {"sum", "mean", "median", "percentile", "distinct_count", "latest"}
    numeric = {name for name, entry in REGISTRY.items() if entry.field == "number"}
    assert numeric == {"sum", "mean", "median", "percentile", "latest"}


def test_the_docs_table_of_aggregates_is_the_registrys():
    expected = docs_table()
    assert expected in DOCS.read_text(encoding="utf-8"), (
        "docs/measures.md's table of aggregates differs from the registry's docs lines; "
        f"replace it with:\n{expected}"
    )


def build_max(table, spec):
    return {"value": field_value(table, spec).max()}


@pytest.mark.usefixtures("requests")
def test_an_aggregate_added_to_the_registry_alone_is_checked_and_computed(monkeypatch):
    entry = Aggregate("max", build_max, "`field` (number)", "the largest value", field="number")
    monkeypatch.setitem(aggregates.REGISTRY, "max", entry)
    spec = {
        "dataset": "requests",
        "date": "created_date",
        "aggregate": "max",
        "field": "days_to_close",
        "grain": "year",
    }
    # The checker takes the entry's rules: a field must be named, and be a number.
    with pytest.raises(SpecError, match="field 'category' is string, not a number field"):
        check_spec({**spec, "field": "category"}, dataset_schemas())
    with pytest.raises(SpecError, match="max cannot be added up over the fiscal year"):
        check_spec({**spec, "grain": "month", "cumulative": True}, dataset_schemas())
    measure = add_measure("longest", spec, dataset=Dataset.objects.get(slug="requests"))
    report = compute_measures([measure])
    assert not report.failed, report.failed
    rows = pd.read_csv(io.StringIO(REQUESTS_CSV), parse_dates=["created_date"])
    expected = rows.groupby(rows.created_date.dt.year)["days_to_close"].max()
    stored = {v.period: v.value for v in MeasureValue.objects.filter(measure=measure)}
    assert stored == {str(year): float(days) for year, days in expected.items()}
