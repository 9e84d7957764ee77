"""What the published data says about one area: 311 requests and demolitions.

The public neighborhood and district pages (citystat/public/places.py) show these. Only
aggregates leave the warehouse: 311 rows and demolition rows carry street addresses,
which never reach a public page. Area values are bound as query parameters; column names
come from the dataset's Table Schema and are checked against a fixed list. Results are
cached under the datasets' published version numbers, so a new load shows at once and
nothing is recomputed between loads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.warehouse import quote_identifier

AreaField = Literal["neighborhood", "council_district"]
AREA_FIELDS: tuple[AreaField, ...] = ("neighborhood", "council_district")
CACHE_SECONDS = 6 * 60 * 60
# The 311 preset's column that names a request's kind, best first (catalog/presets.py):
# "type" reads "Pothole" where "request_type" reads "Streets-Pothole-District 1".
TYPE_FIELDS = ("type", "request_type", "category")
# A 311 dataset is read by these field names; days_to_close is used when the export has
# it, and otherwise worked out from the two dates (many exports carry only the dates).
REQUEST_FIELDS = {"created_date", "closed_date"}
DEMOLITION_FIELDS = {"status", "planned_date", "completed_date"}
WINDOW_DAYS = 365
TOP_TYPES = 10
UPCOMING_LIMIT = 20


@dataclass(frozen=True)
class TypeRow:
    request_type: str
    area_requests: int
    area_median_days: float | None
    city_requests: int
    city_median_days: float | None

    @property
    def faster_than_city(self) -> bool | None:
        if self.area_median_days is None or self.city_median_days is None:
            return None
        return self.area_median_days < self.city_median_days


@dataclass(frozen=True)
class AreaRequests:
    """An area's 311 requests over the year of data up to `last_day`, beside the city's."""

    dataset_slug: str
    dataset_title: str
    first_day: dt.date
    last_day: dt.date
    area_requests: int
    area_open: int
    area_median_days: float | None
    city_requests: int
    city_median_days: float | None
    by_type: list[TypeRow] = field(default_factory=list)
    # Council districts the area's requests came from, most first (neighborhoods only).
    districts: list[tuple[str, int]] = field(default_factory=list)

    @property
    def share_of_city(self) -> float | None:
        return self.area_requests / self.city_requests if self.city_requests else None


@dataclass(frozen=True)
class PlannedDemolition:
    planned_date: dt.date | None
    reason: str


@dataclass(frozen=True)
class AreaDemolitions:
    dataset_slug: str
    dataset_title: str
    planned: int
    completed: int
    on_hold: int
    completed_last_year: int
    completed_by_year: list[tuple[int, int]] = field(default_factory=list)
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    upcoming: list[PlannedDemolition] = field(default_factory=list)


def published_public_dataset(preferred_slug: str, required: set[str]) -> Dataset | None:
    """Return the public, published dataset with the `required` public fields.

    `preferred_slug` wins when it qualifies (the demo's and the 311 preset's usual slug);
    otherwise the first qualifying dataset by title, so a city that named its 311
    dataset differently still gets its pages.
    """
    candidates = Dataset.objects.filter(
        is_public=True, versions__status=DatasetVersion.Status.PUBLISHED
    ).order_by("title")
    qualifying = [d for d in candidates if required <= public_field_names(d)]
    preferred = [d for d in qualifying if d.slug == preferred_slug]
    return next(iter(preferred or qualifying), None)


def public_field_names(dataset: Dataset) -> set[str]:
    return {str(spec["name"]) for spec in dataset.public_fields}


def requests_dataset() -> Dataset | None:
    """Return the city's public 311 dataset, or None when it publishes none."""
    dataset = published_public_dataset(settings.CITYSTAT_OPEN311_DATASET, REQUEST_FIELDS)
    if dataset is None or type_field(dataset) is None:
        return None
    return dataset


def demolitions_dataset() -> Dataset | None:
    return published_public_dataset("demolitions", DEMOLITION_FIELDS)


def type_field(dataset: Dataset) -> str | None:
    names = public_field_names(dataset)
    return next((name for name in TYPE_FIELDS if name in names), None)


def version_key(dataset: Dataset) -> str:
    """Return a key that changes with every load, even when a deleted dataset restarts at v1."""
    version = dataset.latest_version
    if version is None:
        return "none"
    loaded = version.published_at or version.finished_at or version.started_at
    return f"v{version.number}-{version.pk}-{loaded.timestamp() if loaded else 0}"


def cached(kind: str, dataset: Dataset, area_field: str, values: list[str], build):  # type: ignore[no-untyped-def]
    value = "|".join(values)
    key = f"citystat:area:{kind}:{dataset.slug}:{version_key(dataset)}:{area_field}:{value}"
    # Values may hold any character; the cache backends want short, plain keys.
    key = key if key.isascii() and len(key) < 200 and " " not in key else _hashed(key)
    result = cache.get(key)
    if result is None:
        result = build()
        cache.set(key, result, CACHE_SECONDS)
    return result


def _hashed(key: str) -> str:
    import hashlib

    return "citystat:area:" + hashlib.sha256(key.encode()).hexdigest()


def area_values(value: str | tuple[str, ...]) -> list[str]:
    """Return what a row's area column may hold for the area: its name, and its id if any.

    311 rows often carry an area's id while its name changes (city/places.Place.values);
    a row matches when its column holds either.
    """
    return [value] if isinstance(value, str) else [str(item) for item in value if item]


def area_requests(area_field: AreaField, value: str | tuple[str, ...]) -> AreaRequests | None:
    """Return the area's 311 requests by type and days to close, beside the city's.

    `value` is the area's name, or its (name, id). None when the city publishes no 311
    dataset with that area field.
    """
    dataset = requests_dataset()
    if dataset is None or area_field not in public_field_names(dataset):
        return None
    values = area_values(value)
    return cached(  # type: ignore[no-any-return]
        "requests", dataset, area_field, values, lambda: _area_requests(dataset, area_field, values)
    )


def _area_requests(dataset: Dataset, area_field: AreaField, values: list[str]) -> AreaRequests:
    relation = warehouse.table_name(dataset.slug)
    area = quote_identifier(area_field)
    kind = quote_identifier(type_field(dataset) or "type")
    days_to_close = (
        "days_to_close"
        if "days_to_close" in public_field_names(dataset)
        else "(epoch(closed_date::timestamp) - epoch(created_date::timestamp)) / 86400.0"
    )
    # The created date may be a datetime (naive, the city's wall clock): the window is
    # counted in whole days of its date, `::date` being a no-op on a date column.
    # One pass over the year computes the area's and the city's figures together; the
    # empty grouping set is the all-types total.
    sql = f"""
        with bounds as (select max(created_date)::date as last_day from {relation}),
        recent as (
            select {kind}::varchar as request_type, {days_to_close} as days_to_close,
                   closed_date is null as still_open,
                   coalesce(list_contains(?, {area}::varchar), false) as in_area
            from {relation}, bounds
            where created_date::date > last_day - {WINDOW_DAYS}
        )
        select grouping(request_type) as is_total, request_type,
               count(*) filter (where in_area),
               count(*) filter (where in_area and still_open),
               median(days_to_close) filter (where in_area),
               count(*),
               median(days_to_close)
        from recent
        group by grouping sets ((request_type), ())
    """
    with warehouse.connect() as connection:
        last_day = scalar(connection, f"select max(created_date)::date from {relation}", [])
        rows = connection.execute(sql, [values]).fetchall()
        districts: list[tuple[str, int]] = []
        if area_field == "neighborhood" and "council_district" in public_field_names(dataset):
            districts = [
                (str(district), int(count))
                for district, count in connection.execute(
                    f"select council_district::varchar, count(*) from {relation}, "
                    f"(select max(created_date)::date as last_day from {relation}) bounds "
                    f"where list_contains(?, {area}::varchar) and council_district is not null "
                    f"and created_date::date > last_day - {WINDOW_DAYS} "
                    "group by 1 order by 2 desc, 1",
                    [values],
                ).fetchall()
            ]
    total = next((row for row in rows if row[0]), None)
    types = sorted(
        (
            TypeRow(
                request_type=str(row[1] if row[1] is not None else "Not recorded"),
                area_requests=int(row[2]),
                area_median_days=_number(row[4]),
                city_requests=int(row[5]),
                city_median_days=_number(row[6]),
            )
            for row in rows
            if not row[0] and row[2]
        ),
        key=lambda row: (-row.area_requests, row.request_type),
    )
    last = last_day or dt.date.today()
    return AreaRequests(
        dataset_slug=dataset.slug,
        dataset_title=dataset.title,
        first_day=last - dt.timedelta(days=WINDOW_DAYS - 1),
        last_day=last,
        area_requests=int(total[2]) if total else 0,
        area_open=int(total[3]) if total else 0,
        area_median_days=_number(total[4]) if total else None,
        city_requests=int(total[5]) if total else 0,
        city_median_days=_number(total[6]) if total else None,
        by_type=types[:TOP_TYPES],
        districts=districts,
    )


def area_demolitions(
    area_field: AreaField, value: str | tuple[str, ...], today: dt.date
) -> AreaDemolitions | None:
    """Return the area's demolitions: planned, completed by year, reasons, the next ones.

    None when the city publishes no demolitions dataset with that area field.
    """
    dataset = demolitions_dataset()
    if dataset is None or area_field not in public_field_names(dataset):
        return None
    return cached(  # type: ignore[no-any-return]
        f"demolitions:{today.isoformat()}",
        dataset,
        area_field,
        area_values(value),
        lambda: _area_demolitions(dataset, area_field, area_values(value), today),
    )


def _area_demolitions(
    dataset: Dataset, area_field: AreaField, values: list[str], today: dt.date
) -> AreaDemolitions:
    relation = warehouse.table_name(dataset.slug)
    area = quote_identifier(area_field)
    where = f"from {relation} where list_contains(?, {area}::varchar)"
    has_reason = "reason" in public_field_names(dataset)
    reason = "reason::varchar" if has_reason else "null::varchar"
    year_ago = today - dt.timedelta(days=WINDOW_DAYS)
    with warehouse.connect() as connection:
        statuses = dict(
            connection.execute(
                f"select lower(status), count(*) {where} group by 1", [values]
            ).fetchall()
        )
        completed_last_year = scalar(
            connection,
            f"select count(*) {where} and lower(status) = 'completed' "
            "and completed_date between ? and ?",
            [values, year_ago, today],
        )
        by_year = connection.execute(
            f"select year(completed_date), count(*) {where} and lower(status) = 'completed' "
            "and completed_date is not null group by 1 order by 1 desc limit 6",
            [values],
        ).fetchall()
        by_reason = connection.execute(
            f"select {reason}, count(*) {where} and {reason} is not null "
            "group by 1 order by 2 desc, 1",
            [values],
        ).fetchall()
        upcoming = connection.execute(
            f"select planned_date, {reason} {where} and lower(status) = 'planned' "
            f"order by planned_date nulls last limit {UPCOMING_LIMIT}",
            [values],
        ).fetchall()
    return AreaDemolitions(
        dataset_slug=dataset.slug,
        dataset_title=dataset.title,
        planned=int(statuses.get("planned", 0)),
        completed=int(statuses.get("completed", 0)),
        on_hold=int(statuses.get("on hold", 0)),
        completed_last_year=int(completed_last_year),
        completed_by_year=[(int(year), int(count)) for year, count in by_year],
        by_reason=[(str(name), int(count)) for name, count in by_reason],
        upcoming=[PlannedDemolition(day, str(why or "")) for day, why in upcoming],
    )


def scalar(connection: Any, sql: str, parameters: list[Any]) -> Any:
    row = connection.execute(sql, parameters).fetchone()
    return None if row is None else row[0]


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
