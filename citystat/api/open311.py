"""Open311 GeoReport v2 read endpoints over the city's 311 dataset.

The 311 dataset is read by the standard field names of the catalog's 311 preset
(`case_id`, `type`, `category`, `department`, `detail`, `created_date`, `created_time`,
`closed_date`, `status`, `street_address`, `zip_code`, `latitude`, `longitude`). A
GeoReport field whose column the dataset withholds (`"public": false`, the street address
by default) or lacks is left out of every answer, JSON and XML alike.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import ibis
import ibis.expr.types as ir
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from citystat.api.soql import columns_from_schema
from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile

# GeoReport v2: "Default query limit is a span of 90 days or first 1000 requests
# returned, whichever is smallest", and a start_date/end_date range "may not span more
# than 90 days".
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
REQUIRED_FIELDS = ("case_id", "type", "created_date", "status")
FORMATS = ("json", "xml")

# Every status a 311 export is known to use, in the group GeoReport calls it. Kansas
# City's export writes the short codes (OPEN, ASSIG, RESOL, CANC, DUP, …). A status in
# neither group (a new code, or none at all) is closed when the request has a closed
# date and open otherwise; `status_notes` always carries the dataset's own word, so a
# client sees what was mapped. `status_expression` is the one home of this rule: the
# `status=` filter and the answers both read it.
OPEN_STATUSES = frozenset(
    {"OPEN", "NEW", "ASSIG", "ASSIGNED", "INPROG", "IN PROGRESS", "HOLD", "ON HOLD",
     "PENDING", "REOPEN", "REOPENED", "WORK ORDER CREATED"}
)  # fmt: skip
CLOSED_STATUSES = frozenset(
    {"RESOL", "RESOLVED", "CLOSED", "CLOSE", "COMPLETED", "COMPLETE", "DONE", "CANC",
     "CANCELED", "CANCELLED", "DUP", "DUPLICATE", "VOID", "REFERRED", "TRANSFERRED"}
)  # fmt: skip

# W3C date-time (https://www.w3.org/TR/NOTE-datetime) to at least the minute; the offset
# may be left out, and the time is then the city's wall clock.
W3C_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
# A `+` typed into a URL unencoded arrives as a space: `…T13:00:00 05:00`.
UNENCODED_PLUS = re.compile(r"(T[\d:.]+) (\d{2}:\d{2})$")
DATETIME_EXAMPLE = "2020-05-01T13:00:00-05:00, 2020-05-01T18:00:00Z or 2020-05-01T13:00:00"

# The element that holds each item of a list, by the list's own element (GeoReport v2's
# XML: <services><service>, <service_requests><request>, <errors><error>, …).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
        raise Open311Error(
            f"the 311 dataset {slug!r} has no public {', '.join(missing)} column; Open311 "
            f"needs {', '.join(REQUIRED_FIELDS)}.",
            404,
        )
    return dataset


def public_fields(dataset: Dataset) -> set[str]:
    return set(columns_from_schema(dataset.fields))


def services() -> list[dict[str, Any]]:
    """Return one service per 311 request type, coded by its slug."""
    dataset = requests_dataset()
    with engines.open_session() as session:
        table = session.table(dataset.slug)
        group = table.category if "category" in public_fields(dataset) else ibis.null("string")
        found = table.filter(table.type.notnull()).select(group=group, name=table.type)
        rows = session.backend.to_pyarrow(found.distinct().order_by("group", "name")).to_pylist()
    return [
        {
            "service_code": slugify(row["name"]),
            "service_name": row["name"],
            "description": f"{row['group']}: {row['name']}" if row["group"] else row["name"],
            # No service asks for more than its code: citystat takes no new requests, so
            # every service definition has no attributes (`service_definition`).
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": row["group"] or "",
        }
        for row in rows
    ]


def service_names() -> dict[str, list[str]]:
    """Return the request types each service code stands for."""
    names: dict[str, list[str]] = {}
    for service in services():
        names.setdefault(service["service_code"], []).append(service["service_name"])
    return names


def service_definition(code: str) -> dict[str, Any]:
    """Return the GeoReport service definition of `code`: it has no attributes."""
    if code not in service_names():
        raise Open311Error(f"service_code {code!r} is not one of services.json.", 404)
    return {"service_code": code, "attributes": []}


def find_requests(parameters: dict[str, str]) -> list[dict[str, Any]]:
    """Return service requests filtered as GeoReport v2 allows, newest first.

    `service_request_id` overrides every other parameter, as the spec says.
    """
    dataset = requests_dataset()
    fields = public_fields(dataset)
    zone = CityProfile.current().zone
    identifiers = split_list(parameters.get("service_request_id"))
    with engines.open_session() as session:
        table = session.table(dataset.slug)
        table = table.mutate(open311_status=status_expression(table, fields))
        if identifiers:
            conditions = [table.case_id.cast("string").isin(identifiers)]
        else:
            start, end = request_window(parameters, zone)
            conditions = [
                requested_at_or_after(table, fields, start.astimezone(zone)),
                requested_at_or_before(table, fields, end.astimezone(zone)),
            ]
            conditions += service_conditions(table, parameters)
            conditions += status_conditions(table, parameters)
        selected = [name for name in ("case_id", "type", "department", "created_date",
                                      "created_time", "closed_date", "status", "detail",
                                      "street_address", "zip_code", "latitude", "longitude")
                    if name in fields]  # fmt: skip
        order = [ibis.desc("created_date"), ibis.desc("case_id")]
        if "created_time" in fields:
            order.insert(1, ibis.desc("created_time"))
        expression = (
            table.filter(*conditions)
            .select(*selected, "open311_status")
            .order_by(order)
            .limit(MAX_REQUESTS)
        )
        rows = session.backend.to_pyarrow(expression).to_pylist()
    return [georeport_request(row, zone) for row in rows]


def split_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def status_expression(table: ir.Table, fields: set[str]) -> ir.StringValue:
    """Return each row's GeoReport status, `open` or `closed` (rule at CLOSED_STATUSES)."""
    word = table.status.cast("string").strip().upper()
    has_closed_date = (
        table.closed_date.notnull() if "closed_date" in fields else ibis.literal(False)
    )
    return ibis.cases(
        (word.isin(sorted(OPEN_STATUSES)), "open"),
        (word.isin(sorted(CLOSED_STATUSES)), "closed"),
        (has_closed_date, "closed"),
        else_="open",
    )


def request_window(parameters: dict[str, str], zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Return the instants `start_date` and `end_date` ask for, 90 days when one is missing."""
    start = parse_datetime(parameters.get("start_date"), "start_date", zone)
    end = parse_datetime(parameters.get("end_date"), "end_date", zone)
    span = dt.timedelta(days=DEFAULT_DAYS)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - span
    if end is None:
        end = start + span
    if start > end:
        raise Open311Error(
            f"start_date {start.isoformat()} is after end_date {end.isoformat()}; "
            "give the earlier instant as start_date."
        )
    if end - start > span:
        raise Open311Error(
            f"start_date {start.isoformat()} and end_date {end.isoformat()} span more than "
            f"{DEFAULT_DAYS} days, the most GeoReport v2 allows; ask for a shorter range."
        )
    return start, end


def parse_datetime(raw: str | None, name: str, zone: dt.tzinfo) -> dt.datetime | None:
    """Read a W3C date-time; one without an offset is the city's wall-clock time."""
    if raw is None or not raw.strip():
        return None
    text = UNENCODED_PLUS.sub(r"\1+\2", raw.strip())
    try:
        if not W3C_DATETIME.fullmatch(text):
            raise ValueError(text)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            f"{name} {raw!r} is not a W3C date-time; give a date and time such as "
            f"{DATETIME_EXAMPLE} (without an offset it is read in the city's time zone)."
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def requested_time(table: ir.Table, fields: set[str]) -> ir.Value:
    if "created_time" not in fields:
        return ibis.literal(dt.time(0))
    if table.created_time.type().is_string():
        # Spark has no time type: its `HH:MM:SS` text sorts as the times do.
        return table.created_time.fill_null("00:00:00")
    return table.created_time.fill_null(dt.time(0))


def wall_clock(table: ir.Table, fields: set[str], moment: dt.datetime) -> tuple[dt.date, Any]:
    """Return `moment`'s day and time of day, the time as the dataset's column holds it."""
    time = moment.time().replace(tzinfo=None)
    if "created_time" in fields and table.created_time.type().is_string():
        return moment.date(), time.isoformat()
    return moment.date(), time


def requested_at_or_after(
    table: ir.Table, fields: set[str], moment: dt.datetime
) -> ir.BooleanValue:
    """Compare a row's wall-clock request time with `moment` (a time in the city's zone).

    The dataset stores the city's wall clock without an offset, so comparing wall clocks
    compares instants, except during the hour repeated when daylight saving time ends:
    a row's time there reads as its first occurrence (docs/api.md, Open311).
    """
    day, time = wall_clock(table, fields, moment)
    created = table.created_date
    return (created > day) | ((created == day) & (requested_time(table, fields) >= time))


def requested_at_or_before(
    table: ir.Table, fields: set[str], moment: dt.datetime
) -> ir.BooleanValue:
    day, time = wall_clock(table, fields, moment)
    created = table.created_date
    return (created < day) | ((created == day) & (requested_time(table, fields) <= time))


def service_conditions(table: ir.Table, parameters: dict[str, str]) -> list[ir.BooleanValue]:
    codes = split_list(parameters.get("service_code"))
    if not codes:
        return []
    known = service_names()
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Open311Error(
            f"service_code {unknown[0]!r} is not one of services.json; "
            "give codes from services.json, separated by commas."
        )
    return [table.type.isin([name for code in codes for name in known[code]])]


def status_conditions(table: ir.Table, parameters: dict[str, str]) -> list[ir.BooleanValue]:
    wanted = {word.lower() for word in split_list(parameters.get("status"))}
    if not wanted:
        return []
    unknown = sorted(wanted - {"open", "closed"})
    if unknown:
        raise Open311Error(
            f"status {unknown[0]!r} is not a GeoReport status; give open, closed or both "
            "separated by a comma."
        )
    return [table.open311_status.isin(sorted(wanted))]


def georeport_request(row: dict[str, Any], zone: dt.tzinfo) -> dict[str, Any]:
    """Return one dataset row as a GeoReport v2 request, without any withheld field."""
    created_time = row.get("created_time") or dt.time(0)
    if isinstance(created_time, str):  # Spark's text times (`requested_time`)
        created_time = dt.time.fromisoformat(created_time)
    requested = dt.datetime.combine(row["created_date"], created_time)
    closed = row.get("closed_date")
    is_closed = row["open311_status"] == "closed"
    result: dict[str, Any] = {
        "service_request_id": str(row["case_id"]),
        "status": row["open311_status"],
        "status_notes": None if row["status"] is None else str(row["status"]),
        "service_name": row["type"],
        "service_code": slugify(row["type"] or ""),
        "requested_datetime": requested.replace(tzinfo=zone).isoformat(),
        # A closed date has no time of day: the request reads as closed at the start of it.
        "updated_datetime": (
            dt.datetime.combine(closed, dt.time(0)).replace(tzinfo=zone).isoformat()
            if closed and is_closed
            else None
        ),
    }
    # Each further field only when its column is public (`row` holds public columns only).
    sources = {
        "description": "detail",
        "agency_responsible": "department",
        "address": "street_address",
        "zipcode": "zip_code",
        "lat": "latitude",
        "long": "longitude",
    }
    for key, column in sources.items():
        if column in row:
            value = row[column]
            result[key] = str(value) if value is not None and key == "zipcode" else value
    return result


def xml_document(root: str, payload: Any) -> bytes:
    """Return `payload` as GeoReport v2 XML under the element `root`."""
    return ET.tostring(xml_element(root, payload), encoding="utf-8", xml_declaration=True)


def xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        element.extend(xml_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(xml_element(XML_ITEMS[tag], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("\ufffd", str(value))
    return element
