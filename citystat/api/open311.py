"""Open311 GeoReport v2 read endpoints over the city's 311 dataset.

The 311 dataset is read by the standard field names of the catalog's 311 preset
(`case_id`, `type`, `category`, `department`, `created_date`, `created_time`,
`closed_date`, `status`, `zip_code`, `latitude`, `longitude`). Fields the dataset
withholds (`"public": false`, the street address by default) are never sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from citystat.api.soql import columns_from_schema
from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
REQUIRED_FIELDS = ("case_id", "type", "created_date", "status")


class Open311Error(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def requests_dataset() -> Dataset:
    slug = settings.CITYSTAT_OPEN311_DATASET
    dataset = Dataset.objects.filter(slug=slug, is_public=True).first()
    if dataset is None:
        raise Open311Error(f"this city publishes no public 311 dataset ({slug!r}).", 404)
    missing = [name for name in REQUIRED_FIELDS if name not in public_fields(dataset)]
    if missing:
        raise Open311Error(f"the 311 dataset lacks {', '.join(missing)}.", 404)
    return dataset


def public_fields(dataset: Dataset) -> set[str]:
    return set(columns_from_schema(dataset.fields))


def services() -> list[dict[str, Any]]:
    """Return one service per 311 request type, coded by its slug."""
    dataset = requests_dataset()
    category = "category" if "category" in public_fields(dataset) else "null"
    with warehouse.connect() as connection:
        rows = connection.execute(
            f"select distinct {category}, type from {warehouse.table_name(dataset.slug)} "
            "where type is not null order by 1, 2"
        ).fetchall()
    return [
        {
            "service_code": slugify(name),
            "service_name": name,
            "description": f"{group}: {name}" if group else name,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": group or "",
        }
        for group, name in rows
    ]


def service_names() -> dict[str, str]:
    return {service["service_code"]: service["service_name"] for service in services()}


def find_requests(parameters: dict[str, str]) -> list[dict[str, Any]]:
    """Return service requests filtered as GeoReport v2 allows, newest first."""
    dataset = requests_dataset()
    fields = public_fields(dataset)
    zone = CityProfile.current().zone
    conditions: list[str] = []
    values: list[Any] = []
    if parameters.get("service_request_id"):
        identifiers = [part.strip() for part in parameters["service_request_id"].split(",")]
        conditions.append("case_id::varchar in (select unnest(?))")
        values.append(identifiers)
    else:
        end = parse_datetime(parameters.get("end_date"), "end_date") or dt.datetime.now(zone)
        start = parse_datetime(parameters.get("start_date"), "start_date") or (
            end - dt.timedelta(days=DEFAULT_DAYS)
        )
        conditions.append("created_date between ? and ?")
        values += [start.astimezone(zone).date(), end.astimezone(zone).date()]
    if parameters.get("service_code"):
        known = service_names()
        codes = [code.strip() for code in parameters["service_code"].split(",")]
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(f"service_code {unknown[0]!r} is not one of services.json.")
        conditions.append("type in (select unnest(?))")
        values.append([known[code] for code in codes])
    if parameters.get("status"):
        wanted = parameters["status"].strip().lower()
        if wanted not in ("open", "closed"):
            raise Open311Error("status must be open or closed.")
        conditions.append(
            "upper(status) = 'OPEN'" if wanted == "open" else "upper(status) <> 'OPEN'"
        )
    selected = [name for name in ("case_id", "type", "department", "created_date", "created_time",
                                  "closed_date", "status", "zip_code", "latitude", "longitude",
                                  "detail") if name in fields]  # fmt: skip
    sql = (
        f"select {', '.join(selected)} from {warehouse.table_name(dataset.slug)} "
        f"where {' and '.join(conditions)} order by created_date desc, case_id desc limit ?"
    )
    with warehouse.connect() as connection:
        cursor = connection.execute(sql, [*values, MAX_REQUESTS])
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return [georeport_request(row, zone) for row in rows]


def georeport_request(row: dict[str, Any], zone: dt.tzinfo) -> dict[str, Any]:
    requested = dt.datetime.combine(row["created_date"], row.get("created_time") or dt.time(0))
    closed = row.get("closed_date")
    is_open = str(row["status"]).upper() == "OPEN"
    result: dict[str, Any] = {
        "service_request_id": str(row["case_id"]),
        "status": "open" if is_open else "closed",
        "service_name": row["type"],
        "service_code": slugify(row["type"]),
        "description": row.get("detail"),
        "agency_responsible": row.get("department"),
        "requested_datetime": requested.replace(tzinfo=zone).isoformat(),
        "updated_datetime": (
            dt.datetime.combine(closed, dt.time(0)).replace(tzinfo=zone).isoformat()
            if closed and not is_open
            else None
        ),
        "zipcode": None if row.get("zip_code") is None else str(row["zip_code"]),
        "lat": row.get("latitude"),
        "long": row.get("longitude"),
    }
    return result


def parse_datetime(raw: str | None, name: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            f"{name} {raw!r} is not a W3C date-time such as 2025-01-31T00:00:00-06:00."
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CityProfile.current().zone)
