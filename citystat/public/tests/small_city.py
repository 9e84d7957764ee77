"""A small city for the place, search and "how we measure" tests: three neighborhoods, two
council districts, a few hundred 311 requests and a dozen demolitions, all seeded."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import SERVICE_REQUESTS_SCHEMA
from citystat.city.models import BoundaryLayer, CityProfile
from citystat.demo.datasets import DEMOLITIONS_SCHEMA

# Neighborhood → its council district. "Ñandú Heights" checks accents survive slugs.
NEIGHBORHOODS = {"Westport": "1", "Shoal Creek": "2", "Ñandú Heights": "2"}
TYPES = ["Pothole", "Missed Trash Pickup", "Streetlight Out", "Tall Weeds and Grass"]
REASONS = ["Fire damage", "Vacant and open", "Structural failure"]
LAST_DAY = dt.date(2026, 10, 31)
# A resident's name and street address in the raw rows: they must never reach a page.
PERSONAL = "Jane Q. Resident, 1234 Main Street"
US_DATETIME = "%m/%d/%Y %I:%M:%S %p"


def datetime_schema() -> dict[str, Any]:
    """The 311 preset's schema with created and closed dates as 12-hour datetimes."""
    fields = [
        {**spec, "type": "datetime", "format": US_DATETIME}
        if spec["name"] in ("created_date", "closed_date")
        else spec
        for spec in SERVICE_REQUESTS_SCHEMA["fields"]  # type: ignore[attr-defined]
    ]
    return {**SERVICE_REQUESTS_SCHEMA, "fields": fields}


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def layer(slug: str, title: str, names: list[str]) -> BoundaryLayer:
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": square(-94.6 + i / 50, 39.0)}
        for i, name in enumerate(names)
    ]
    return BoundaryLayer.objects.create(
        slug=slug,
        title=title,
        name_property="name",
        geojson={"type": "FeatureCollection", "features": features},
        area_count=len(features),
    )


def write_requests(path: Path, rows: int = 400, seed: int = 7, datetimes: bool = False) -> None:
    """Write seeded requests; with `datetimes`, created and closed at a time of day."""
    rng = random.Random(seed)
    fields = [str(spec["name"]) for spec in SERVICE_REQUESTS_SCHEMA["fields"]]  # type: ignore[attr-defined]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for case in range(1, rows + 1):
            neighborhood = rng.choice([*NEIGHBORHOODS, ""])
            created = LAST_DAY - dt.timedelta(days=rng.randrange(0, 500))
            closed = rng.random() < 0.85
            days = rng.randrange(0, 40) if closed else None
            # Times of day are drawn only for `datetimes`, so the dates' rows stay as they were.
            opened_at = dt.datetime.combine(created, dt.time(0))
            if datetimes:
                opened_at += dt.timedelta(seconds=rng.randrange(0, 86_400))
            closed_at = None if days is None else opened_at + dt.timedelta(days=days)
            if datetimes and closed_at is not None:
                closed_at += dt.timedelta(seconds=rng.randrange(0, 3_600))
            writer.writerow(
                {
                    "case_id": case,
                    "source": "PHONE",
                    "department": "Public Works",
                    "request_type": "Streets",
                    "category": "Streets",
                    "type": rng.choice(TYPES),
                    "detail": PERSONAL if case % 50 == 0 else "",
                    "created_date": opened_at.strftime(US_DATETIME)
                    if datetimes
                    else created.isoformat(),
                    "status": "RESOL" if closed else "OPEN",
                    "closed_date": ""
                    if closed_at is None
                    else closed_at.strftime(US_DATETIME)
                    if datetimes
                    else closed_at.date().isoformat(),
                    "days_to_close": "" if days is None else days,
                    "street_address": PERSONAL,
                    "neighborhood": neighborhood,
                    "council_district": NEIGHBORHOODS.get(neighborhood, "1"),
                }
            )


def write_demolitions(path: Path) -> None:
    fields = [str(spec["name"]) for spec in DEMOLITIONS_SCHEMA["fields"]]  # type: ignore[attr-defined]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for number in range(1, 13):
            neighborhood = list(NEIGHBORHOODS)[number % 3]
            status = ["planned", "completed", "completed", "on hold"][number % 4]
            planned = LAST_DAY + dt.timedelta(days=30 * (number % 5) - 300)
            writer.writerow(
                {
                    "demolition_id": number,
                    "parcel_id": f"P-{number}",
                    "street_address": PERSONAL,
                    "neighborhood": neighborhood,
                    "council_district": NEIGHBORHOODS[neighborhood],
                    "reason": REASONS[number % 3],
                    "status": status,
                    "planned_date": planned.isoformat(),
                    "completed_date": (planned + dt.timedelta(days=20)).isoformat()
                    if status == "completed"
                    else "",
                }
            )


def build_small_city(folder: Path, datetimes: bool = False) -> dict[str, Path]:
    """Create the city, its two boundary layers and two published datasets; return the CSVs.

    With `datetimes`, the 311 requests' created and closed dates are datetimes.
    """
    CityProfile.objects.create(name="Smallville", languages=["en", "es"])
    layer("neighborhoods", "Neighborhoods", list(NEIGHBORHOODS))
    layer("council-districts", "Council districts", sorted(set(NEIGHBORHOODS.values())))
    folder.mkdir(parents=True, exist_ok=True)
    files = {"service-requests": folder / "requests.csv", "demolitions": folder / "demo.csv"}
    write_requests(files["service-requests"], datetimes=datetimes)
    write_demolitions(files["demolitions"])
    for slug, title, schema in [
        (
            "service-requests",
            "311 service requests",
            datetime_schema() if datetimes else SERVICE_REQUESTS_SCHEMA,
        ),
        ("demolitions", "Dangerous building demolitions", DEMOLITIONS_SCHEMA),
    ]:
        dataset = Dataset.objects.create(
            slug=slug,
            title=title,
            table_schema=schema,
            is_public=True,
            update_frequency=Dataset.Frequency.DAILY,
        )
        ingest(dataset, files[slug])
    return files


def withhold_field(slug: str, name: str) -> None:
    """Mark field `name` of dataset `slug` as withheld from the public, as a steward would."""
    dataset = Dataset.objects.get(slug=slug)
    dataset.table_schema = {
        **dataset.table_schema,
        "fields": [
            {**spec, "public": False} if spec["name"] == name else spec for spec in dataset.fields
        ],
    }
    dataset.save()
