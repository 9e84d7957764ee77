"""Open311 GeoReport v2 read endpoints over the city's 311 dataset.

The 311 dataset is read by the standard field names of the catalog's 311 preset
(`case_id`, `type`, `category`, `department`, `detail`, `created_date`, `created_time`,
`closed_date`, `status`, `street_address`, `zip_code`, `latitude`, `longitude`).
`created_date` and `closed_date` may be dates or datetimes; a datetime carries its own
time of day (`created_time` is then not read), naive in the city's time zone. A
GeoReport field whose column the dataset withholds (`"public": false`, the street address
by default) or lacks is left out of every answer, JSON and XML alike.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from sqlglot import exp

from citystat.api.soql import columns_from_schema
from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.catalog.status_groups import schema_groups
from citystat.city.models import CityProfile

# GeoReport v2: "Default query limit is a span of 90 days or first 1000 requests
# returned, whichever is smallest", and a start_date/end_date range "may not span more
# than 90 days".
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
REQUIRED_FIELDS = ("case_id", "type", "created_date", "status")
FORMATS = ("json", "xml")
# As long as a SODA query may run (citystat/api/soda.py).
QUERY_SECONDS = 10

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


def created_at_datetime(dataset: Dataset) -> bool:
    """Say whether the dataset's created date is a datetime (its own time of day)."""
    return any(
        spec["name"] == "created_date" and spec.get("type") == "datetime"
        for spec in dataset.public_fields
    )


def services() -> list[dict[str, Any]]:
    """Return one service per 311 request type, coded by its slug."""
    dataset = requests_dataset()
    group = column("category") if "category" in public_fields(dataset) else exp.null()
    with engines.open_session() as session:
        query = (
            exp.select(exp.alias_(group, "service_group"), exp.alias_(column("type"), "name"))
            .distinct()
            .from_(session.sql_table(dataset.slug))
            .where(exp.Not(this=exp.Is(this=column("type"), expression=exp.null())))
            .order_by("service_group", "name")
        )
        rows = run(session, query)
    return [
        {
            "service_code": slugify(row["name"]),
            "service_name": row["name"],
            "description": (
                f"{row['service_group']}: {row['name']}" if row["service_group"] else row["name"]
            ),
            # No service asks for more than its code: citystat takes no new requests, so
            # every service definition has no attributes (`service_definition`).
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": row["service_group"] or "",
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
    if created_at_datetime(dataset):
        fields = fields - {"created_time"}  # the datetime holds the time of day
    identifiers = split_list(parameters.get("service_request_id"))
    status = status_expression(fields, schema_groups(dataset.table_schema).get("status"))
    conditions: list[exp.Expr]
    if identifiers:
        conditions = [as_text(column("case_id")).isin(*map(exp.Literal.string, identifiers))]
    else:
        start, end = request_window(parameters, zone)
        conditions = [
            requested_compared(fields, exp.GTE, start.astimezone(zone), dataset),
            requested_compared(fields, exp.LTE, end.astimezone(zone), dataset),
        ]
        conditions += service_conditions(parameters)
        conditions += status_conditions(status, parameters)
    selected = [name for name in ("case_id", "type", "department", "created_date",
                                  "created_time", "closed_date", "status", "detail",
                                  "street_address", "zip_code", "latitude", "longitude")
                if name in fields]  # fmt: skip
    # DuckDB refuses a constant in ORDER BY: the time is a sort key only when it is a column.
    order: list[exp.Expression] = [column("created_date"), column("case_id")]
    if "created_time" in fields:
        order.insert(1, requested_time(fields))
    with engines.open_session() as session:
        query = (
            exp.select(*map(column, selected), exp.alias_(status, "open311_status"))
            .from_(session.sql_table(dataset.slug))
            .where(exp.and_(*conditions))
            .order_by(*(exp.Ordered(this=node, desc=True) for node in order))
            .limit(MAX_REQUESTS)
        )
        rows = run(session, query)
    return [georeport_request(row, zone) for row in rows]


def run(session: engines.Session, query: exp.Select) -> list[dict[str, Any]]:
    """Run `query` in the session's dialect and return its rows as dictionaries."""
    try:
        result = session.query(query.sql(dialect=session.engine.dialect), timeout=QUERY_SECONDS)
    except engines.QueryTimeout:
        raise Open311Error(
            f"the query ran longer than {QUERY_SECONDS} seconds; ask for a shorter window.", 503
        ) from None
    return [dict(zip(result.names, row, strict=True)) for row in result.rows]


def split_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def status_expression(fields: set[str], groups: dict[str, list[str]] | None = None) -> exp.Expr:
    """Return each row's GeoReport status, `open` or `closed` (rule at CLOSED_STATUSES).

    `groups` are the status field's own groups (catalog/status_groups.py), read first:
    the open group is `open`, every other group `closed`, as measures count them.
    """
    word = exp.Upper(this=exp.Trim(this=as_text(column("status"))))
    has_closed_date = (
        exp.Not(this=exp.Is(this=column("closed_date"), expression=exp.null()))
        if "closed_date" in fields
        else exp.false()
    )
    case = exp.Case()
    if groups:
        code = exp.Trim(this=as_text(column("status")))
        for group, codes in groups.items():
            if codes:
                geo_report = "open" if group == "open" else "closed"
                case = case.when(
                    code.copy().isin(*map(exp.Literal.string, codes)),
                    exp.Literal.string(geo_report),
                )
    return (
        case.when(
            word.isin(*map(exp.Literal.string, sorted(OPEN_STATUSES))), exp.Literal.string("open")
        )
        .when(
            word.copy().isin(*map(exp.Literal.string, sorted(CLOSED_STATUSES))),
            exp.Literal.string("closed"),
        )
        .when(has_closed_date, exp.Literal.string("closed"))
        .else_(exp.Literal.string("open"))
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


def column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def as_text(node: exp.Expression) -> exp.Cast:
    return exp.Cast(this=node, to=exp.DataType.build("text"))


def requested_time(fields: set[str]) -> exp.Expression:
    """Return the time of day a request was made, as `HH:MM:SS` text; midnight when unknown."""
    midnight = exp.Literal.string("00:00:00")
    if "created_time" not in fields:
        return midnight
    return exp.Coalesce(this=as_text(column("created_time")), expressions=[midnight])


def requested_compared(
    fields: set[str], operator: type[exp.Binary], moment: dt.datetime, dataset: Dataset
) -> exp.Expr:
    """Compare a row's request time with `moment` (a time in the city's zone) by `operator`.

    The dataset stores the city's wall clock without an offset, so comparing wall clocks
    compares instants, except during the hour repeated when daylight saving time ends:
    a row's time there reads as its first occurrence (docs/api.md, Open311). Times are
    compared as `HH:MM:SS[.ffffff]` text, which sorts as they do on every engine (Spark
    has no time type and keeps them as that text). A datetime created date is compared
    with the moment's wall-clock time as a timestamp.
    """
    if created_at_datetime(dataset):
        wall_clock = exp.Cast(
            this=exp.Literal.string(moment.replace(tzinfo=None).isoformat(sep=" ")),
            to=exp.DataType.build("timestamp"),
        )
        return operator(this=column("created_date"), expression=wall_clock)
    day = exp.Cast(
        this=exp.Literal.string(moment.date().isoformat()), to=exp.DataType.build("date")
    )
    time = moment.time().replace(tzinfo=None).isoformat()
    # Engines write a fraction of a second without trailing zeros (`12:59:00.5`).
    time = time.rstrip("0").rstrip(".") if "." in time else time
    requested = requested_time(fields)
    strictly = exp.GT if operator is exp.GTE else exp.LT
    return exp.or_(
        strictly(this=column("created_date"), expression=day),
        exp.and_(
            exp.EQ(this=column("created_date"), expression=day.copy()),
            operator(this=requested, expression=exp.Literal.string(time)),
        ),
    )


def service_conditions(parameters: dict[str, str]) -> list[exp.Expr]:
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
    names = [name for code in codes for name in known[code]]
    return [column("type").isin(*map(exp.Literal.string, names))]


def status_conditions(status: exp.Expr, parameters: dict[str, str]) -> list[exp.Expr]:
    wanted = {word.lower() for word in split_list(parameters.get("status"))}
    if not wanted:
        return []
    unknown = sorted(wanted - {"open", "closed"})
    if unknown:
        raise Open311Error(
            f"status {unknown[0]!r} is not a GeoReport status; give open, closed or both "
            "separated by a comma."
        )
    return [status.copy().isin(*map(exp.Literal.string, sorted(wanted)))]


def georeport_request(row: dict[str, Any], zone: dt.tzinfo) -> dict[str, Any]:
    """Return one dataset row as a GeoReport v2 request, without any withheld field."""
    if isinstance(row["created_date"], dt.datetime):
        requested = row["created_date"]  # a datetime field: the time is its own
    else:
        created_time = row.get("created_time") or dt.time(0)
        if isinstance(created_time, str):  # Spark's text times (`requested_time`)
            created_time = dt.time.fromisoformat(created_time)
        requested = dt.datetime.combine(row["created_date"], created_time)
    closed = row.get("closed_date")
    if closed and not isinstance(closed, dt.datetime):
        # A closed date has no time of day: the request reads as closed at the start of it.
        closed = dt.datetime.combine(closed, dt.time(0))
    is_closed = row["open311_status"] == "closed"
    result: dict[str, Any] = {
        "service_request_id": str(row["case_id"]),
        "status": row["open311_status"],
        "status_notes": None if row["status"] is None else str(row["status"]),
        "service_name": row["type"],
        "service_code": slugify(row["type"] or ""),
        "requested_datetime": requested.replace(tzinfo=zone).isoformat(),
        "updated_datetime": (
            closed.replace(tzinfo=zone).isoformat() if closed and is_closed else None
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
    # typeshed's overloads give Any for an encoding passed as a keyword with xml_declaration.
    document: bytes = ET.tostring(
        xml_element(root, payload), encoding="utf-8", xml_declaration=True
    )
    return document


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
