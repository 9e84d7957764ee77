"""A city for the near-me and place-map tests: two neighborhoods side by side in one
district, an address list declared by its schema, and 311 requests with points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import BoundaryLayer, CityProfile

# Hilltop: -94.60…-94.58, Riverside: -94.58…-94.56, both 39.00…39.02; District 4 holds both.
ADDRESSES = [
    ("100 Main St", 39.010, -94.590),  # Hilltop
    ("100 Main St", 39.012, -94.592),  # the same address geocoded twice: the mean is used
    ("7 River Rd", 39.005, -94.570),  # Riverside
    ("1 Faraway Ln", 40.5, -95.5),  # outside the city
]
# A request's street address is withheld: it must never be searched nor shown.
WITHHELD_ADDRESS = "55 Secret Ave"


def rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def layer(slug: str, title: str, areas: dict[str, dict[str, Any]]) -> BoundaryLayer:
    features = [
        {"type": "Feature", "properties": {"NAME": name, "OWNER": "private"}, "geometry": shape}
        for name, shape in areas.items()
    ]
    return BoundaryLayer.objects.create(
        slug=slug,
        title=title,
        name_property="NAME",
        geojson={"type": "FeatureCollection", "features": features},
        area_count=len(features),
    )


def dataset(slug: str, title: str, fields: list[dict[str, Any]], path: Path) -> Dataset:
    created = Dataset.objects.create(
        slug=slug, title=title, is_public=True, table_schema={"fields": fields}
    )
    ingest(created, path)
    return created


def build_near_city(folder: Path) -> None:
    CityProfile.objects.create(name="Neartown", languages=["en", "es"])
    layer(
        "neighborhoods",
        "Neighborhoods",
        {
            "Hilltop": rectangle(-94.60, 39.00, -94.58, 39.02),
            "Riverside": rectangle(-94.58, 39.00, -94.56, 39.02),
        },
    )
    layer("council-districts", "Council districts", {"4": rectangle(-94.61, 38.99, -94.55, 39.03)})
    folder.mkdir(parents=True, exist_ok=True)
    addresses = folder / "addresses.csv"
    addresses.write_text(
        "address,latitude,longitude\n" + "".join(f"{a},{lat},{lon}\n" for a, lat, lon in ADDRESSES),
        encoding="utf-8",
    )
    dataset(
        "addresses",
        "Address points",
        [
            {"name": "address", "rdfType": "https://schema.org/streetAddress"},
            {"name": "latitude", "type": "number"},
            {"name": "longitude", "type": "number"},
        ],
        addresses,
    )
    requests = folder / "requests.csv"
    rows = ["case_id,opened,street_address,latitude,longitude"]
    # Ten in Hilltop (newest last), two in Riverside, one without a point.
    rows += [f"{n},2026-10-{n:02d},{WITHHELD_ADDRESS},39.01,-94.59{n % 10}" for n in range(1, 11)]
    rows += ["11,2026-10-20,x,39.01,-94.57", "12,2026-10-21,x,39.015,-94.565", "13,2026-10-22,x,,"]
    requests.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset(
        "service-requests",
        "311 service requests",
        [
            {"name": "case_id", "type": "integer"},
            {"name": "opened", "type": "date"},
            {
                "name": "street_address",
                "public": False,
                "rdfType": "https://schema.org/streetAddress",
            },
            {"name": "latitude", "type": "number"},
            {"name": "longitude", "type": "number"},
        ],
        requests,
    )
