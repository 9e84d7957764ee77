"""A small city of 311 requests, written twice: in our layout and in a peer's.

The peer's portal has other column names (`CREATION DATE`, `CLOSED DATE`, …) in another
order, as a Socrata city's export would; the rows are the same, so a measure computed on
the peer must equal the one computed on ours, and both the one pandas works out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea

OUR_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "category", "type": "string"},
        {"name": "created_date", "type": "datetime"},
        {"name": "closed_date", "type": "datetime"},
        {"name": "cost", "type": "number"},
    ],
    "primaryKey": ["case_id"],
}
# Our field → the peer's column.
COLUMN_MAP = {
    "case_id": "SR NUMBER",
    "category": "REQUEST TYPE",
    "created_date": "CREATION DATE",
    "closed_date": "CLOSED DATE",
    "cost": "COST USD",
}
PEER_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "CLOSED DATE", "type": "datetime"},
        {"name": "REQUEST TYPE", "type": "string"},
        {"name": "SR NUMBER", "type": "integer"},
        {"name": "COST USD", "type": "number"},
        {"name": "CREATION DATE", "type": "datetime"},
    ],
    "primaryKey": ["SR NUMBER"],
}
POPULATION = 12_500
PEER_POPULATION = 48_000


def request_frame(rows: int = 600, seed: int = 24) -> pd.DataFrame:
    """Requests over 2023-2024 with close times in hours, some still open, some costed."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2023, 1, 1)
    created = [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 730 * 1440, rows)]
    hours = rng.exponential(90, rows)
    open_ = rng.random(rows) < 0.1
    closed = [
        None if o else c + dt.timedelta(hours=float(h))
        for c, h, o in zip(created, hours, open_, strict=True)
    ]
    categories = rng.choice(["Pothole", "Trash", "Water leak", "O'Brien Street"], rows)
    cost = np.where(rng.random(rows) < 0.2, np.nan, np.round(rng.gamma(2, 60, rows), 2))
    return pd.DataFrame(
        {
            "case_id": range(1, rows + 1),
            "category": categories,
            "created_date": pd.to_datetime(created),
            # Whole seconds, as the CSV files hold them.
            "closed_date": pd.to_datetime(closed).floor("s"),
            "cost": cost,
        }
    )


def write_csv(frame: pd.DataFrame, path, columns: dict[str, str], order: list[str]) -> None:
    renamed = frame.rename(columns=columns)[order]
    renamed.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def frame() -> pd.DataFrame:
    return request_frame()


@pytest.fixture
def city(db):
    return CityProfile.objects.create(
        name="Our City",
        fiscal_year_start_month=5,
        fiscal_year_start_day=1,
        population=POPULATION,
        languages=["en", "es"],
    )


@pytest.fixture
def our_requests(city, frame, tmp_path) -> Dataset:
    dataset = Dataset.objects.create(
        slug="requests", title="Requests", table_schema=OUR_SCHEMA, is_public=True
    )
    path = tmp_path / "ours.csv"
    write_csv(frame, path, {}, [f["name"] for f in OUR_SCHEMA["fields"]])
    ingest(dataset, path)
    return dataset


@pytest.fixture
def peer_portal(city, frame, tmp_path) -> Dataset:
    """The peer's dataset, published on our own SODA endpoint as if on its portal."""
    dataset = Dataset.objects.create(
        slug="peer-requests", title="Peer requests", table_schema=PEER_SCHEMA, is_public=True
    )
    path = tmp_path / "peer.csv"
    write_csv(frame, path, COLUMN_MAP, [f["name"] for f in PEER_SCHEMA["fields"]])
    ingest(dataset, path)
    return dataset


def add_measure(slug: str, spec: dict[str, Any], **fields) -> Measure:  # type: ignore[no-untyped-def]
    plan = Plan.objects.get_or_create(
        slug="p",
        defaults={
            "title": "P",
            "first_fiscal_year": 2023,
            "last_fiscal_year": 2026,
            "is_current": True,
        },
    )[0]
    area = PriorityArea.objects.get_or_create(plan=plan, slug="a", defaults={"title": "A"})[0]
    goal = Goal.objects.get_or_create(priority_area=area, slug="g", defaults={"title": "G"})[0]
    objective = Objective.objects.get_or_create(goal=goal, title="O")[0]
    defaults = {"definition": "d", "unit": "count", "direction": "higher"}
    return Measure.objects.create(
        objective=objective,
        slug=slug,
        title=fields.pop("title", slug),
        frequency=spec.get("grain", "month"),
        spec=spec,
        **{**defaults, **fields},
    )
