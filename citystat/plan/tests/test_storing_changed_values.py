"""A recompute writes only the values that changed, and the stored values stay right."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV

pytestmark = pytest.mark.usefixtures("requests")


def stored(measure) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    rows = MeasureValue.objects.filter(measure=measure)
    return {
        (row.period, row.breakdown, row.breakdown_value): (row.pk, row.value, row.computed_at)
        for row in rows
    }


def by_hand(csv: str) -> dict[tuple[str, str, str], float]:
    """Count requests per calendar year, overall and per category, with pandas.

    A count is 0, not missing, in a year of the data's span without such requests.
    """
    frame = pd.read_csv(io.StringIO(csv), parse_dates=["created_date"])
    frame["year"] = frame["created_date"].dt.year
    years = range(frame["year"].min(), frame["year"].max() + 1)
    table = pd.crosstab(frame["year"], frame["category"]).reindex(years, fill_value=0)
    counts = {(str(year), "", ""): float(n) for year, n in table.sum(axis=1).items()}
    for category in table.columns:
        for year, n in table[category].items():
            counts[(str(year), "category", category)] = float(n)
    return counts


def count_measure():
    return add_measure(
        "yearly",
        {
            "dataset": "requests",
            "date": "created_date",
            "aggregate": "count",
            "grain": "year",
            "breakdowns": ["category"],
        },
        dataset=Dataset.objects.get(slug="requests"),
    )


def test_a_recompute_that_finds_the_same_values_rewrites_none():
    measure = count_measure()
    compute_measures([measure])
    before = stored(measure)
    report = compute_measures([measure])
    assert report.computed["yearly"] == len(before)
    # Same rows, same ids, same time of computing: caches keyed on them see no news.
    assert stored(measure) == before


def test_new_data_updates_changed_values_adds_new_ones_and_drops_vanished_ones(
    requests, tmp_path, django_capture_on_commit_callbacks
):
    measure = count_measure()
    compute_measures([measure])
    before = stored(measure)
    # Case 6 (Trash, 2025) goes, a Graffiti request comes in 2025 and a Trash one in 2026.
    lines = [line for line in REQUESTS_CSV.splitlines() if not line.startswith("6,")]
    csv = "\n".join(lines) + "\n8,Graffiti,2025-06-01,,,1,\n9,Trash,2026-01-05,,,1,\n"
    path = tmp_path / "next.csv"
    path.write_text(csv, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        version = ingest(requests, path)
    compute_measures([measure])
    after = stored(measure)
    assert {key: value for key, (_pk, value, _at) in after.items()} == by_hand(csv)
    assert after[("2025", "category", "Trash")][1] == 0  # case 6 was 2025's only one
    # 2024's values did not change and keep their rows; 2025's overall count is a new
    # number in the same row.
    assert after[("2024", "", "")][0] == before[("2024", "", "")][0]
    assert after[("2025", "", "")][0] == before[("2025", "", "")][0]
    versions = set(
        MeasureValue.objects.filter(measure=measure).values_list("dataset_version", flat=True)
    )
    assert versions == {version.pk}  # every value names the version it came from
