"""Ready schemas and column maps for real cities' exports (`citystat ingest --preset`)."""

from __future__ import annotations

from typing import Any

from citystat.lib.errors import CitystatError

KC_311_COLUMNS = {
    "case_id": "CASE ID",
    "source": "SOURCE",
    "department": "DEPARTMENT",
    "work_group": "WORK GROUP",
    "request_type": "REQUEST TYPE",
    "category": "CATEGORY",
    "type": "TYPE",
    "detail": "DETAIL",
    "created_date": "CREATION DATE",
    "created_time": "CREATION TIME",
    "status": "STATUS",
    "exceeded_timeframe": "EXCEEDED EST TIMEFRAME",
    "closed_date": "CLOSED DATE",
    "days_to_close": "DAYS TO CLOSE",
    "street_address": "STREET ADDRESS",
    "zip_code": "ZIP CODE",
    "neighborhood": "NEIGHBORHOOD",
    "council_district": "COUNCIL DISTRICT",
    "police_district": "POLICE DISTRICT",
    "latitude": "LATITUDE",
    "longitude": "LONGITUDE",
}


def field(name: str, field_type: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": field_type, **extra}


REQUIRED = {"required": True}

SERVICE_REQUESTS_SCHEMA = {
    "fields": [
        field(
            "case_id", "integer", title="Case ID", constraints={"required": True, "unique": True}
        ),
        field("source", title="How the request came in"),
        field("department", title="Department", constraints=REQUIRED),
        field("work_group", title="Work group"),
        field("request_type", title="Request type"),
        field("category", title="Category"),
        field("type", title="Type"),
        field("detail", title="Detail"),
        field("created_date", "date", format="any", title="Created", constraints=REQUIRED),
        field("created_time", "time", format="any", title="Time created"),
        field("status", title="Status", constraints={"enum": ["OPEN", "RESOL"]}),
        field(
            "exceeded_timeframe",
            "boolean",
            title="Took longer than the service-level timeframe",
            trueValues=["Y"],
            falseValues=["N"],
        ),
        field("closed_date", "date", format="any", title="Closed"),
        field("days_to_close", "integer", title="Days to close", constraints={"minimum": 0}),
        field("street_address", title="Street address", public=False),
        field("zip_code", "integer", title="ZIP code"),
        field("neighborhood", title="Neighborhood"),
        field(
            "council_district",
            "integer",
            title="Council district",
            constraints={"minimum": 1, "maximum": 6},
        ),
        field("police_district", title="Police district"),
        field("latitude", "number", title="Latitude", constraints={"minimum": -90, "maximum": 90}),
        field(
            "longitude", "number", title="Longitude", constraints={"minimum": -180, "maximum": 180}
        ),
    ],
    "primaryKey": ["case_id"],
}

# Columns of the portal's export that the schema leaves out on purpose: derived
# (month/year), duplicated (the geocoded address), or a link back to the portal.
KC_311_IGNORED = [
    "CREATION MONTH",
    "CREATION YEAR",
    "CLOSED MONTH",
    "CLOSED YEAR",
    "ADDRESS WITH GEOCODE",
    "COUNTY",
    "PARCEL ID NO",
    "CASE URL",
    "30-60-90 Days Open Window",
]


class UnknownPreset(CitystatError):
    pass


PRESETS: dict[str, dict[str, Any]] = {
    "kcmo-311": {
        "title": "311 service requests",
        "table_schema": SERVICE_REQUESTS_SCHEMA,
        "column_map": KC_311_COLUMNS,
        "ignored_columns": KC_311_IGNORED,
    }
}


def preset(name: str) -> dict[str, Any]:
    """Return the preset called `name`, or say which ones exist."""
    if name not in PRESETS:
        raise UnknownPreset(f"no preset {name!r}; known presets: {', '.join(sorted(PRESETS))}.")
    return PRESETS[name]
