"""Small hand-checkable fixtures: seven 311 requests around Kansas City's 1 May fiscal year."""

from __future__ import annotations

from typing import Any

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea

REQUESTS_SCHEMA = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "category", "type": "string"},
        {"name": "created_date", "type": "date"},
        {"name": "closed_date", "type": "date"},
        {"name": "days_to_close", "type": "integer"},
        {"name": "council_district", "type": "integer"},
        {"name": "late", "type": "boolean"},
    ],
    "primaryKey": ["case_id"],
}
# FY2025 runs 2024-05-01..2025-04-30. Row 1 is FY2024's last day, row 2 FY2025's first,
# row 6 FY2025's last, row 7 FY2026's first; row 3 is still open.
REQUESTS_CSV = """case_id,category,created_date,closed_date,days_to_close,council_district,late
1,Pothole,2024-04-30,2024-05-03,3,1,false
2,Pothole,2024-05-01,2024-05-11,10,1,true
3,Pothole,2024-05-31,,,2,
4,Trash,2024-06-01,2024-06-02,1,2,false
5,Pothole,2024-06-15,2024-06-20,5,2,false
6,Trash,2025-04-30,2025-05-02,2,3,false
7,Pothole,2025-05-01,2025-05-08,7,3,false
"""


@pytest.fixture
def kansas_city(db):
    return CityProfile.objects.create(
        name="Kansas City",
        fiscal_year_start_month=5,
        fiscal_year_start_day=1,
        population=10_000,
        languages=["en"],
    )


@pytest.fixture
def requests(db, kansas_city, tmp_path):
    dataset = Dataset.objects.create(
        slug="requests", title="Requests", table_schema=REQUESTS_SCHEMA, update_frequency="daily"
    )
    path = tmp_path / "requests.csv"
    path.write_text(REQUESTS_CSV, encoding="utf-8")
    ingest(dataset, path)
    return dataset


@pytest.fixture
def public_works(db):
    return Department.objects.create(code="public-works", name="Public Works")


def add_measure(slug: str, spec: dict[str, Any], **fields) -> Measure:
    """Add a measure with `spec` to a one-goal plan made on first use."""
    plan = Plan.objects.get_or_create(
        slug="p", defaults={"title": "P", "first_fiscal_year": 2025, "last_fiscal_year": 2027}
    )[0]
    area = PriorityArea.objects.get_or_create(plan=plan, slug="a", defaults={"title": "A"})[0]
    goal = Goal.objects.get_or_create(priority_area=area, slug="g", defaults={"title": "G"})[0]
    objective = Objective.objects.get_or_create(goal=goal, title="O")[0]
    defaults = {"definition": "d", "unit": "count", "direction": "higher"}
    return Measure.objects.create(
        objective=objective,
        slug=slug,
        title=slug,
        frequency=spec.get("grain", "month"),
        spec=spec,
        **{**defaults, **fields},
    )
