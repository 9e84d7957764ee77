"""A small city whose boundary layer and 311 rows name neighborhoods by id, not by name.

Riverton's neighborhood file has `hood_name` and `hood_no`; its 311 export carries only
the number, and some rows none at all. Nothing here is Kansas City's layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import BoundaryLayer, CityProfile

# Neighborhood number → name; the data knows only the numbers.
HOODS = {"101": "Old Mill", "102": "Elm Park", "103": "Cañon Flats"}
TYPES = ["Pothole", "Graffiti", "Dead Animal"]
LAST_DAY = dt.date(2026, 6, 30)
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "type", "type": "string"},
        {"name": "created_date", "type": "date"},
        {"name": "closed_date", "type": "date"},
        {"name": "days_to_close", "type": "integer"},
        {"name": "neighborhood", "type": "string"},
    ],
    "primaryKey": ["case_id"],
}


def square(x: float) -> dict[str, Any]:
    ring = [[x, 40.0], [x, 40.02], [x + 0.02, 40.02], [x + 0.02, 40.0], [x, 40.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_requests(path: Path, rows: int = 300, seed: int = 11) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[spec["name"] for spec in SCHEMA["fields"]])
        writer.writeheader()
        for case in range(1, rows + 1):
            created = LAST_DAY - dt.timedelta(days=rng.randrange(0, 400))
            days = rng.randrange(0, 30) if rng.random() < 0.8 else None
            writer.writerow(
                {
                    "case_id": case,
                    "type": rng.choice(TYPES),
                    "created_date": created.isoformat(),
                    "closed_date": (created + dt.timedelta(days=days)).isoformat()
                    if days is not None
                    else "",
                    "days_to_close": "" if days is None else days,
                    "neighborhood": rng.choice([*HOODS, ""]),
                }
            )


def build_id_city(folder: Path) -> Path:
    """Create Riverton, its neighborhoods layer (names and ids) and its 311 data; return the CSV."""
    CityProfile.objects.create(name="Riverton", time_zone="America/Denver", languages=["en", "es"])
    features = [
        {
            "type": "Feature",
            "properties": {"hood_name": name, "hood_no": int(number), "council": "Ms. Reyes"},
            "geometry": square(-105 + index / 40),
        }
        for index, (number, name) in enumerate(HOODS.items())
    ]
    BoundaryLayer.objects.create(
        slug="neighborhoods",
        title="Neighborhoods",
        name_property="hood_name",
        id_property="hood_no",
        geojson={"type": "FeatureCollection", "features": features},
        area_count=len(features),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "requests.csv"
    write_requests(path)
    dataset = Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        table_schema=SCHEMA,
        is_public=True,
        update_frequency=Dataset.Frequency.DAILY,
    )
    ingest(dataset, path)
    return path
