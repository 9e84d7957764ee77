"""A small generated city that is not Kansas City, for the adoption path's tests (#17).

Riverton differs from the demo city wherever real cities differ from each other: its 311
export has other column names and 12-hour datetimes (`12/27/2017 01:36:22 PM`), comes in
two files, and carries neighborhood ids rather than names; its fiscal year starts on
1 July; its 15 council districts are numbered; it lives in another time zone. Everything
is generated from a seed, so a test can compute the expected answers independently from
the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

# Riverton's box (WGS84): 5 × 3 council districts, 10 × 6 neighborhoods.
WEST, EAST, SOUTH, NORTH = -122.80, -122.50, 45.40, 45.58
DISTRICT_COLUMNS, DISTRICT_ROWS = 5, 3
NEIGHBORHOOD_COLUMNS, NEIGHBORHOOD_ROWS = 10, 6
REQUEST_TYPES = ["Pothole", "Graffiti", "Missed Collection", "Streetlight Out", "Abandoned Vehicle"]
STATUSES = ["Open", "Closed", "Closed", "Closed", "Cancelled"]
HEADER = [
    "SRNumber",
    "CREATION DATE",
    "Closed Date",
    "Request Type",
    "Status",
    "Council Dist",
    "NBHD ID",
    "Address",
    "Latitude",
    "Longitude",
]


@dataclass(frozen=True)
class Request:
    number: int
    created: dt.datetime
    closed: dt.datetime | None
    request_type: str
    status: str
    district: int
    neighborhood_id: str | None
    address: str
    latitude: float
    longitude: float

    def row(self) -> list[str]:
        return [
            f"SR{self.number:07d}",
            self.created.strftime("%m/%d/%Y %I:%M:%S %p"),
            self.closed.strftime("%m/%d/%Y %I:%M:%S %p") if self.closed else "",
            self.request_type,
            self.status,
            str(self.district),
            self.neighborhood_id or "",
            self.address,
            f"{self.latitude:.6f}",
            f"{self.longitude:.6f}",
        ]


def cell(latitude: float, longitude: float, columns: int, rows: int) -> tuple[int, int]:
    column = min(int((longitude - WEST) / (EAST - WEST) * columns), columns - 1)
    row = min(int((latitude - SOUTH) / (NORTH - SOUTH) * rows), rows - 1)
    return column, row


def district_of(latitude: float, longitude: float) -> int:
    column, row = cell(latitude, longitude, DISTRICT_COLUMNS, DISTRICT_ROWS)
    return row * DISTRICT_COLUMNS + column + 1


def neighborhood_id_of(latitude: float, longitude: float) -> str:
    column, row = cell(latitude, longitude, NEIGHBORHOOD_COLUMNS, NEIGHBORHOOD_ROWS)
    return f"N{row * NEIGHBORHOOD_COLUMNS + column + 1:03d}"


def neighborhood_name(identifier: str) -> str:
    number = int(identifier[1:])
    return f"{['Alder', 'Birch', 'Cedar', 'Dogwood', 'Elm', 'Fir'][(number - 1) // 10]} {number}"


def requests(count: int, seed: int = 7) -> list[Request]:
    """`count` requests created from 1 July 2017 (FY2018's first day) to 30 June 2018."""
    chooser = random.Random(seed)
    start = dt.datetime(2017, 7, 1)
    seconds_in_year = int((dt.datetime(2018, 7, 1) - start).total_seconds())
    made = []
    for number in range(1, count + 1):
        created = start + dt.timedelta(seconds=chooser.randrange(seconds_in_year))
        status = chooser.choice(STATUSES)
        closed = None
        if status != "Open":
            closed = created + dt.timedelta(seconds=chooser.randrange(30 * 86_400))
        latitude = chooser.uniform(SOUTH, NORTH)
        longitude = chooser.uniform(WEST, EAST)
        # About one request in twenty has no neighborhood recorded, as real exports do.
        recorded = chooser.random() >= 0.05
        made.append(
            Request(
                number=number,
                created=created,
                closed=closed,
                request_type=chooser.choice(REQUEST_TYPES),
                status=status,
                district=district_of(latitude, longitude),
                neighborhood_id=neighborhood_id_of(latitude, longitude) if recorded else None,
                address=f"{chooser.randrange(100, 9999)} SE {chooser.choice('ABCDEFGH')} St",
                latitude=latitude,
                longitude=longitude,
            )
        )
    return sorted(made, key=lambda request: request.created)


def rectangles(columns: int, rows: int) -> list[tuple[int, int, list[list[float]]]]:
    width, height = (EAST - WEST) / columns, (NORTH - SOUTH) / rows
    shapes = []
    for row in range(rows):
        for column in range(columns):
            west, south = WEST + column * width, SOUTH + row * height
            ring = [
                [round(west, 6), round(south, 6)],
                [round(west + width, 6), round(south, 6)],
                [round(west + width, 6), round(south + height, 6)],
                [round(west, 6), round(south + height, 6)],
                [round(west, 6), round(south, 6)],
            ]
            shapes.append((column, row, ring))
    return shapes


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def polygon(properties: dict, ring: list[list[float]]) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write_city(folder: Path, count: int = 1_200, seed: int = 7) -> list[Request]:
    """Write Riverton's files into `folder` and return the requests they hold.

    Files: city.yaml, districts.geojson, neighborhoods.geojson, and the 311 export in two
    halves (service_calls_2017.csv, service_calls_2018.csv), split at 1 January 2018.
    """
    folder.mkdir(parents=True, exist_ok=True)
    districts = [
        polygon({"DIST_NUM": row * DISTRICT_COLUMNS + column + 1}, ring)
        for column, row, ring in rectangles(DISTRICT_COLUMNS, DISTRICT_ROWS)
    ]
    neighborhoods = []
    for column, row, ring in rectangles(NEIGHBORHOOD_COLUMNS, NEIGHBORHOOD_ROWS):
        identifier = f"N{row * NEIGHBORHOOD_COLUMNS + column + 1:03d}"
        neighborhoods.append(
            polygon({"NBHD_ID": identifier, "NBHD_NAME": neighborhood_name(identifier)}, ring)
        )
    (folder / "districts.geojson").write_text(json.dumps(feature_collection(districts)))
    (folder / "neighborhoods.geojson").write_text(json.dumps(feature_collection(neighborhoods)))
    (folder / "city.yaml").write_text(CITY_YAML)
    made = requests(count, seed)
    new_year = dt.datetime(2018, 1, 1)
    for name, part in [
        ("service_calls_2017.csv", [r for r in made if r.created < new_year]),
        ("service_calls_2018.csv", [r for r in made if r.created >= new_year]),
    ]:
        with (folder / name).open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(HEADER)
            writer.writerows(request.row() for request in part)
    return made


CITY_YAML = """\
name: Riverton
state: Oregon
time_zone: America/Los_Angeles
languages: [en, es]
fiscal_year_start: "07-01"
population: 250000
website: https://riverton.example.org
departments:
  - {code: streets, name: Street Maintenance}
  - {code: customer-service, name: Customer Service}
boundaries:
  - slug: council-districts
    title: Council districts
    file: districts.geojson
    name_property: DIST_NUM
  - slug: neighborhoods
    title: Neighborhoods
    file: neighborhoods.geojson
    name_property: NBHD_NAME
    id_property: NBHD_ID
"""
