"""Measures read a status's group (`group_of(status) = 'closed'`), as the schema groups codes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan.compute.filters import FilterError, compile_filter
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure

GROUPS = {
    "open": ["OPEN", "ASSIG"],
    "closed": ["RESOL"],
    "cancelled": ["CANC"],
    "duplicate": ["DUP"],
}
SCHEMA = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "created_date", "type": "date"},
        {"name": "closed_date", "type": "date"},
        {
            "name": "status",
            "constraints": {"enum": ["OPEN", "ASSIG", "RESOL", "CANC", "DUP"]},
            "groups": GROUPS,
        },
    ],
    "primaryKey": ["case_id"],
}
# Every code of the vocabulary, across two months, and one row with no status at all.
ROWS = """case_id,created_date,closed_date,status
1,2024-06-03,2024-06-04,RESOL
2,2024-06-05,,OPEN
3,2024-06-07,,ASSIG
4,2024-06-09,2024-06-09,CANC
5,2024-06-11,2024-06-12,DUP
6,2024-07-01,2024-07-02,RESOL
7,2024-07-02,2024-07-09,RESOL
8,2024-07-03,,ASSIG
9,2024-07-04,2024-07-04,DUP
10,2024-07-05,,
"""


@pytest.fixture
def statuses(kansas_city, tmp_path):
    dataset = Dataset.objects.create(slug="statuses", title="Statuses", table_schema=SCHEMA)
    path = tmp_path / "statuses.csv"
    path.write_text(ROWS, encoding="utf-8")
    ingest(dataset, path)
    return pd.read_csv(path, dtype={"status": str}, parse_dates=["created_date"])


def monthly(spec: dict[str, Any]) -> dict[str, float | None]:
    measure = add_measure(
        f"m{abs(hash(str(spec)))}",
        {"dataset": "statuses", "date": "created_date", "grain": "month", **spec},
    )
    report = compute_measures([measure])
    assert not report.failed, report.failed
    return {
        row.period: row.value for row in MeasureValue.objects.filter(measure=measure, breakdown="")
    }


def by_month(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame.groupby(frame["created_date"].dt.strftime("%Y-%m")).size()
    return {month: int(counts.get(month, 0)) for month in ("2024-06", "2024-07")}


def test_a_count_of_one_status_group_matches_pandas(statuses):
    closed = statuses[statuses["status"].isin(GROUPS["closed"])]
    assert monthly({"aggregate": "count", "filter": "group_of(status) = 'closed'"}) == by_month(
        closed
    )
    open_ = statuses[statuses["status"].isin(GROUPS["open"])]
    assert monthly({"aggregate": "count", "filter": "group_of(status) = 'open'"}) == by_month(open_)


def test_not_a_group_counts_the_other_groups_and_never_a_row_without_status(statuses):
    others = statuses[statuses["status"].isin(["OPEN", "ASSIG", "CANC", "DUP"])]
    counted = monthly({"aggregate": "count", "filter": "group_of(status) != 'closed'"})
    assert counted == by_month(others)
    assert counted["2024-07"] == 2  # ASSIG and DUP; the row with no status is neither


def test_a_share_closed_among_requests_that_were_not_cancelled_or_duplicates(statuses):
    real = statuses[~statuses["status"].isin(["CANC", "DUP"])]
    real = real[real["status"].notna()]
    expected = {
        month: round(100 * (group["status"] == "RESOL").sum() / len(group), 6)
        for month, group in real.groupby(real["created_date"].dt.strftime("%Y-%m"))
    }
    shares = monthly(
        {
            "aggregate": "share",
            "filter": "group_of(status) in ('open', 'closed')",
            "condition": "group_of(status) = 'closed'",
        }
    )
    assert {month: round(value or 0, 6) for month, value in shares.items()} == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("group_of(status) = 'done'", "'done' is not a status group of 'status'; its groups are"),
        ("group_of(case_id) = 'open'", "field 'case_id' has no status groups"),
        ("group_of(status) > 'open'", "compare a status group with = or !="),
        ("group_of(status, case_id) = 'open'", "group_of takes one field"),
        ("group_of(statis) = 'open'", "unknown field 'statis' — did you mean 'status'?"),
    ],
)
def test_a_bad_group_filter_is_refused_with_a_reason(text, message):
    fields = {"status": "string", "case_id": "integer"}
    with pytest.raises(FilterError) as caught:
        compile_filter(text, fields, {"status": GROUPS})
    assert message in str(caught.value)


def test_a_backlog_leaves_out_cancelled_and_duplicate_requests_by_their_group(statuses):
    kept = statuses[statuses["status"].isin(GROUPS["open"] + GROUPS["closed"])]
    closed = pd.to_datetime(kept["closed_date"])
    expected = {}
    for month, end in (("2024-06", "2024-06-30"), ("2024-07", "2024-07-31")):
        day = pd.Timestamp(end)
        expected[month] = int(((kept["created_date"] <= day) & ~(closed <= day)).sum())
    backlog = monthly(
        {
            "aggregate": "backlog",
            "closed": "closed_date",
            "filter": "group_of(status) in ('open', 'closed')",
        }
    )
    assert backlog == expected == {"2024-06": 2, "2024-07": 3}
