"""What the published data says about one area: 311 requests and demolitions.

The public neighborhood and district pages (citystat/public/places.py) show these; the
catalog knows no 311 or demolitions, so these figures belong to the place pages. Only
aggregates leave the warehouse: 311 rows and demolition rows carry street addresses,
which never reach a public page. Everything is an Ibis expression run through the
configured engine's session (catalog.engines), so the pages read DuckDB, PostgreSQL or
Spark alike; area values are literals of the expression, never SQL text, and column
names come from the dataset's Table Schema. Results are cached under the datasets'
published version numbers, so a new load shows at once and nothing is recomputed
between loads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from citystat.catalog.models import Dataset, DatasetVersion

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from citystat.catalog.engines import Session

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


def missing_fields() -> list[str]:
    """Say which declared dataset the place pages cannot read, and which fields it lacks.

    The city declares its 311 dataset (CITYSTAT_OPEN311_DATASET, as Open311 does) and
    publishes demolitions as `demolitions`; when no public dataset has the fields the
    figures need and the declared one lacks some, the page says so instead of hiding
    the section without a word (or failing on a missing column).
    """
    notes = []
    declared = [
        (settings.CITYSTAT_OPEN311_DATASET, REQUEST_FIELDS, requests_dataset),
        ("demolitions", DEMOLITION_FIELDS, demolitions_dataset),
    ]
    for slug, required, finder in declared:
        if finder() is not None:
            continue
        dataset = Dataset.objects.filter(
            slug=slug, is_public=True, versions__status=DatasetVersion.Status.PUBLISHED
        ).first()
        if dataset is None:
            continue
        lacking = sorted(required - public_field_names(dataset))
        if slug == settings.CITYSTAT_OPEN311_DATASET and type_field(dataset) is None:
            lacking.append(" or ".join(TYPE_FIELDS))
        if lacking:
            notes.append(
                _("%(title)s has no public %(fields)s column, so its figures cannot be shown here.")
                % {"title": dataset.title, "fields": ", ".join(lacking)}
            )
    return notes


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
    # Ibis and the engines load with the first page that needs them, not at start-up: the
    # URLconf loads this module (through views/places.py).
    import ibis  # noqa: PLC0415  # heavy: Ibis, not at start-up

    from citystat.catalog.engines import open_session  # noqa: PLC0415  # heavy: Ibis

    names = public_field_names(dataset)
    with open_session() as session:
        table = session.table(dataset.slug)
        # The created date may be a datetime (naive, the city's wall clock): the window is
        # counted in whole days of its date; the cast leaves a date column as it is.
        created = table["created_date"].cast("date")
        last_day = scalar(session, created.max())
        last = last_day or dt.date.today()
        first = last - dt.timedelta(days=WINDOW_DAYS - 1)
        if "days_to_close" in names:
            days = table["days_to_close"].cast("float64")
        else:
            # Many exports carry only the two dates: the days between them, with times.
            seconds = (
                table["closed_date"].cast("timestamp").epoch_seconds()
                - table["created_date"].cast("timestamp").epoch_seconds()
            )
            days = seconds.cast("float64") / 86400.0
        recent = table.filter(created >= ibis.literal(first, type="date")).select(
            request_type=table[type_field(dataset) or "type"].cast("string"),
            days=days,
            still_open=table["closed_date"].isnull(),
            # Area values are literals of the expression, never SQL text.
            in_area=table[area_field].cast("string").isin(values).fill_null(False),
            district=(
                table["council_district"].cast("string")
                if "council_district" in names
                else ibis.null("string")
            ),
        )
        figures = {
            "area_requests": recent.count(where=recent.in_area),
            "area_open": recent.count(where=recent.in_area & recent.still_open),
            # The area's days, empty elsewhere: a median skips empty values, and Spark
            # refuses Ibis's filtered median (it wraps the 0.5 in the filter too).
            "area_median_days": recent.in_area.ifelse(recent.days, ibis.null("float64")).median(),
            "city_requests": recent.count(),
            "city_median_days": recent.days.median(),
        }
        # The all-types total and the figures by type in one round trip (the total's row
        # is the one marked; its request_type is empty like an unrecorded type's).
        columns = ["is_total", "request_type", *figures]
        by_type_expression = (
            recent.group_by("request_type")
            .aggregate(**figures)
            .mutate(is_total=ibis.literal(False))
            .select(*columns)
        )
        total_expression = (
            recent.aggregate(**figures)
            .mutate(is_total=ibis.literal(True), request_type=ibis.null("string"))
            .select(*columns)
        )
        found = rows(session, by_type_expression.union(total_expression))
        total = next(row for row in found if row["is_total"])
        by_type = [row for row in found if not row["is_total"]]
        districts: list[tuple[str, int]] = []
        if area_field == "neighborhood" and "council_district" in names:
            here = recent.filter(recent.in_area & recent.district.notnull())
            counted = here.group_by("district").aggregate(requests=here.count())
            districts = [
                (str(row["district"]), int(row["requests"]))
                for row in rows(
                    session, counted.order_by([ibis.desc("requests"), ibis.asc("district")])
                )
            ]
    types = sorted(
        (
            TypeRow(
                request_type=str(
                    row["request_type"] if row["request_type"] is not None else "Not recorded"
                ),
                area_requests=int(row["area_requests"]),
                area_median_days=_number(row["area_median_days"]),
                city_requests=int(row["city_requests"]),
                city_median_days=_number(row["city_median_days"]),
            )
            for row in by_type
            if row["area_requests"]
        ),
        key=lambda row: (-row.area_requests, row.request_type),
    )
    return AreaRequests(
        dataset_slug=dataset.slug,
        dataset_title=dataset.title,
        first_day=first,
        last_day=last,
        area_requests=int(total["area_requests"] or 0),
        area_open=int(total["area_open"] or 0),
        area_median_days=_number(total["area_median_days"]),
        city_requests=int(total["city_requests"] or 0),
        city_median_days=_number(total["city_median_days"]),
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
    import ibis  # noqa: PLC0415  # heavy: Ibis, not at start-up (see _area_requests)

    from citystat.catalog.engines import open_session  # noqa: PLC0415  # heavy: Ibis

    has_reason = "reason" in public_field_names(dataset)
    year_ago = today - dt.timedelta(days=WINDOW_DAYS)
    with open_session() as session:
        table = session.table(dataset.slug)
        here = table.filter(table[area_field].cast("string").isin(values)).select(
            status=table["status"].cast("string").lower(),
            # Dates or datetimes: a demolition's day is what the page counts and shows.
            planned_date=table["planned_date"].cast("date"),
            completed_date=table["completed_date"].cast("date"),
            reason=table["reason"].cast("string") if has_reason else ibis.null("string"),
        )
        completed = here.filter(here.status == "completed")
        # One pass for the counts by status and the last twelve months' completions.
        counts = rows(
            session,
            here.aggregate(
                planned=here.count(where=here.status == "planned"),
                completed=here.count(where=here.status == "completed"),
                on_hold=here.count(where=here.status == "on hold"),
                completed_last_year=here.count(
                    where=(here.status == "completed")
                    & here.completed_date.between(
                        ibis.literal(year_ago, type="date"), ibis.literal(today, type="date")
                    )
                ),
            ),
        )[0]
        dated = completed.filter(completed.completed_date.notnull())
        by_year = rows(
            session,
            dated.group_by(year=dated.completed_date.year())
            .aggregate(n=dated.count())
            .order_by(ibis.desc("year"))
            .limit(6),
        )
        with_reason = here.filter(here.reason.notnull())
        by_reason = rows(
            session,
            with_reason.group_by("reason")
            .aggregate(n=with_reason.count())
            .order_by([ibis.desc("n"), ibis.asc("reason")]),
        )
        planned = here.filter(here.status == "planned")
        upcoming = rows(
            session,
            planned.select("planned_date", "reason")
            .order_by(ibis.asc("planned_date", nulls_first=False))
            .limit(UPCOMING_LIMIT),
        )
    return AreaDemolitions(
        dataset_slug=dataset.slug,
        dataset_title=dataset.title,
        planned=int(counts["planned"] or 0),
        completed=int(counts["completed"] or 0),
        on_hold=int(counts["on_hold"] or 0),
        completed_last_year=int(counts["completed_last_year"] or 0),
        completed_by_year=[(int(row["year"]), int(row["n"])) for row in by_year],
        by_reason=[(str(row["reason"]), int(row["n"])) for row in by_reason],
        upcoming=[
            PlannedDemolition(row["planned_date"], str(row["reason"] or "")) for row in upcoming
        ],
    )


def rows(session: Session, expression: ir.Table) -> list[dict[str, Any]]:
    """Run `expression` on the session's engine; return its (aggregate) rows."""
    return session.backend.to_pyarrow(expression).to_pylist()  # type: ignore[no-any-return]


def scalar(session: Session, expression: ir.Scalar) -> Any:
    return session.backend.to_pyarrow(expression).as_py()


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
