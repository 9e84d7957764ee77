"""Dangerous-building demolitions, placed on the same addressed points as 311 requests."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from citystat.demo.generator.geography import Geography
from citystat.demo.generator.timeline import FIRST_DAY, LAST_DAY

DEMOLITIONS_HEADER = [
    "demolition_id",
    "parcel_id",
    "street_address",
    "neighborhood",
    "council_district",
    "latitude",
    "longitude",
    "reason",
    "status",
    "planned_date",
    "completed_date",
    "estimated_cost",
]
REASONS = (
    "Fire damage",
    "Structural failure",
    "Vacant and open",
    "Collapsed roof",
    "Code enforcement order",
    "Storm damage",
)
REASON_SHARES = (0.24, 0.26, 0.22, 0.1, 0.13, 0.05)
# Most dangerous buildings stand on the east side (districts 3 and 5), as in Kansas City.
DISTRICT_WEIGHTS = np.array([0, 0.5, 0.4, 4.0, 1.2, 3.0, 0.8])
PLANNING_HORIZON_DAYS = 182  # planned dates reach about six months past the data's end
ON_HOLD_SHARE = 0.08


def demolition_count(rows: int) -> int:
    """Return how many demolitions a city with `rows` 311 requests gets (a few thousand)."""
    return int(np.clip(rows // 80, 200, 3000))


def demolition_rows(geography: Geography, count: int, seed: int) -> list[list[object]]:
    """Return `count` demolitions ordered by planned date."""
    rng = np.random.default_rng([seed, 8])
    pool = geography.pool
    weights = DISTRICT_WEIGHTS[pool.district] * (pool.neighborhood >= 0)
    points = rng.choice(len(weights), size=count, replace=False, p=weights / weights.sum())
    span = (LAST_DAY - FIRST_DAY).days + PLANNING_HORIZON_DAYS
    planned = np.sort(rng.integers(0, span, count))
    delay = rng.integers(-10, 60, count)
    on_hold = rng.random(count) < ON_HOLD_SHARE
    reasons = rng.choice(len(REASONS), size=count, p=REASON_SHARES)
    costs = np.clip(rng.lognormal(np.log(18_000), 0.45, count), 6_000, 90_000)
    parcels = rng.integers(10**14, 10**15, count)
    addresses = pool.columns["STREET ADDRESS"].take(points).to_pylist()
    rows: list[list[object]] = []
    for number in range(count):
        point = points[number]
        planned_day = FIRST_DAY + dt.timedelta(days=int(planned[number]))
        completed_day = planned_day + dt.timedelta(days=int(delay[number]))
        if on_hold[number]:
            status, completed = "on hold", ""
        elif completed_day <= LAST_DAY:
            status, completed = "completed", completed_day.isoformat()
        else:
            status, completed = "planned", ""
        rows.append(
            [
                number + 1,
                f"JA{parcels[number]}",
                addresses[number],
                pool.area_names[pool.neighborhood[point]],
                int(pool.district[point]),
                f"{pool.latitude[point]:.6f}",
                f"{pool.longitude[point]:.6f}",
                REASONS[reasons[number]],
                status,
                planned_day.isoformat(),
                completed,
                f"{costs[number]:.2f}",
            ]
        )
    return rows


def write_demolitions(path: Path, geography: Geography, count: int, seed: int) -> int:
    """Write demolitions.csv and return its data row count."""
    rows = demolition_rows(geography, count, seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEMOLITIONS_HEADER)
        writer.writerows(rows)
    return len(rows)
