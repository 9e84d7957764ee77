"""A service profile's 311 evidence when the created date is a datetime, against pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.surveys.evidence import ServiceEvidence, request_series

SCHEMA = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "type", "type": "string"},
        {"name": "created_date", "type": "datetime", "format": "%m/%d/%Y %I:%M:%S %p"},
        {"name": "days_to_close", "type": "integer"},
        {"name": "exceeded_timeframe", "type": "boolean"},
        {"name": "council_district", "type": "integer"},
    ]
}


def requests_frame() -> pd.DataFrame:
    generator = np.random.default_rng(11)
    rows = 500
    created = pd.Timestamp("2017-01-01") + pd.to_timedelta(
        generator.integers(0, 500 * 86_400, rows), unit="s"
    )
    return pd.DataFrame(
        {
            "case_id": np.arange(1, rows + 1),
            "type": generator.choice(["Trash", "Recycling", "Pothole"], rows),
            "created_date": created,
            "days_to_close": generator.integers(0, 30, rows),
            "exceeded_timeframe": generator.random(rows) < 0.3,
            "council_district": generator.integers(1, 4, rows),
        }
    )


def test_request_series_counts_a_datetime_by_its_month_and_its_day(db, tmp_path):
    frame = requests_frame()
    # A Trash request in the afternoon of the day just before the year's window: a date
    # there is outside the window, and so is this datetime.
    latest_day = frame["created_date"].max().normalize()
    frame.loc[0, ["type", "created_date"]] = [
        "Trash",
        latest_day - pd.Timedelta(days=365) + pd.Timedelta(hours=15),
    ]
    text = frame.assign(created_date=frame["created_date"].dt.strftime("%m/%d/%Y %I:%M:%S %p"))
    text.to_csv(tmp_path / "requests.csv", index=False)
    dataset = Dataset.objects.create(slug="trash-requests", title="Requests", table_schema=SCHEMA)
    ingest(dataset, tmp_path / "requests.csv")
    evidence = ServiceEvidence()
    request_series(evidence, {"dataset": "trash-requests", "types": ["Trash", "Recycling"]})

    trash = frame[frame["type"].isin(["Trash", "Recycling"])]
    monthly = trash.groupby(trash["created_date"].dt.strftime("%Y-%m-01")).agg(
        requests=("case_id", "size"), median_days=("days_to_close", "median")
    )
    assert [(m["month"], m["requests"]) for m in evidence.requests_by_month] == list(
        zip(monthly.index, monthly["requests"], strict=True)
    )
    for row, median in zip(evidence.requests_by_month, monthly["median_days"], strict=True):
        assert math.isclose(row["median_days"], median)
    day = trash["created_date"].dt.normalize()
    recent = trash[day > day.max() - pd.Timedelta(days=365)]
    by_district = recent.groupby(recent["council_district"].astype(str)).size()
    assert {r["district"]: r["requests"] for r in evidence.requests_by_district} == (
        by_district.to_dict()
    )
