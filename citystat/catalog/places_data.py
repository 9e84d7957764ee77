"""Rows of public datasets found by place: an address typed by a resident, points in an area.

Both read only public columns, through the engine session (Ibis), so the same code runs
on DuckDB, PostgreSQL and Spark. Which dataset holds addresses is configured in the
catalog, not guessed from column names: a dataset is an address source when one of its
public text fields carries the Table Schema `rdfType` of a street address
(schema.org's `streetAddress` or `address`) and it publishes `latitude` and `longitude`.
A withheld address column is never searched, so the page cannot confirm that someone at
an address made a request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import ibis
from django.core.cache import cache

from citystat.catalog import engines
from citystat.catalog.exports import has_points
from citystat.catalog.models import Dataset

ADDRESS_TYPES = {
    f"{scheme}://schema.org/{term}"
    for scheme in ("http", "https")
    for term in ("streetAddress", "address")
}
ADDRESS_LENGTH = 200
POINTS_PER_DATASET = 300
CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class AddressMatch:
    dataset: Dataset
    address: str
    latitude: float
    longitude: float
    rows: int


def address_field(dataset: Dataset) -> str | None:
    """Return the dataset's public street-address field, as its schema declares it."""
    return next(
        (
            spec["name"]
            for spec in dataset.public_fields
            if spec.get("type", "string") == "string" and spec.get("rdfType") in ADDRESS_TYPES
        ),
        None,
    )


def address_datasets() -> list[Dataset]:
    """Return the public, published datasets residents' addresses can be looked up in."""
    return [
        dataset
        for dataset in Dataset.objects.filter(is_public=True).order_by("title")
        if dataset.latest_version is not None and has_points(dataset) and address_field(dataset)
    ]


def normalized(text: str) -> str:
    """Return an address as compared: lower case, single spaces, no trailing punctuation."""
    return " ".join(text.lower().split()).strip(" .,")


def find_address(text: str, datasets: list[Dataset] | None = None) -> AddressMatch | None:
    """Return where the typed address lies, from the first dataset that has it, or None.

    Rows of one address may carry slightly different geocodes; their mean is used. Answers,
    "not found" included, are cached until one of the datasets publishes a new version.
    """
    wanted = normalized(text)
    if not wanted:
        return None
    sources = address_datasets() if datasets is None else datasets
    published = engines.published_versions()
    state = repr([wanted, [(d.slug, published.get(d.slug), str(d.updated_at)) for d in sources]])
    key = "citystat:address:v1:" + hashlib.sha256(state.encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        match = look_up(wanted, sources)
        found = (match.dataset.slug, match.latitude, match.longitude, match.rows) if match else ()
        cache.set(key, found, CACHE_SECONDS)
    if not found:
        return None
    slug, latitude, longitude, rows = found
    dataset = next(d for d in sources if d.slug == slug)
    return AddressMatch(dataset, wanted, latitude, longitude, rows)


def look_up(wanted: str, sources: list[Dataset]) -> AddressMatch | None:
    with engines.open_session() as session:
        for dataset in sources:
            name = address_field(dataset)
            if name is None or dataset.slug not in session.published:
                continue
            table = session.table(dataset.slug)
            column = table[name].lower().re_replace(r"\s+", " ").strip()
            matching = table.filter(
                column == ibis.literal(wanted),
                table["latitude"].notnull(),
                table["longitude"].notnull(),
            )
            found = matching.aggregate(
                rows=matching.count(),
                latitude=matching["latitude"].mean(),
                longitude=matching["longitude"].mean(),
            )
            row = session.backend.to_pyarrow(found).to_pylist()[0]
            if row["rows"]:
                return AddressMatch(
                    dataset, wanted, float(row["latitude"]), float(row["longitude"]), row["rows"]
                )
    return None


def date_field(dataset: Dataset) -> str | None:
    """Return the first public date or datetime field: when a row happened."""
    return next(
        (s["name"] for s in dataset.public_fields if s.get("type") in ("date", "datetime")), None
    )


def event_datasets() -> list[Dataset]:
    """Return the public, published datasets of dated rows with a latitude and longitude.

    A dataset without a date (an address list) holds places, not things that happened,
    so it has no "recent" rows to show.
    """
    return [
        dataset
        for dataset in Dataset.objects.filter(is_public=True).order_by("title")
        if dataset.latest_version is not None and has_points(dataset) and date_field(dataset)
    ]


def recent_points(
    dataset: Dataset,
    bounds: tuple[float, float, float, float],
    limit: int = POINTS_PER_DATASET,
) -> list[tuple[float, float, Any]]:
    """Return (latitude, longitude, date) of the newest dated rows in (west, south, east, north).

    The caller keeps those inside the area's own shape; a box is what every engine can
    filter on quickly.
    """
    west, south, east, north = bounds
    when = date_field(dataset)
    with engines.open_session() as session:
        if dataset.slug not in session.published or when is None:
            return []
        table = session.table(dataset.slug)
        latitude, longitude = table["latitude"], table["longitude"]
        chosen = table.filter(latitude.between(south, north), longitude.between(west, east))
        columns = [latitude.name("latitude"), longitude.name("longitude")]
        # Rows without a date are left out: engines disagree on where nulls sort.
        columns.append(table[when].name("happened"))
        chosen = chosen.filter(table[when].notnull()).order_by(ibis.desc(table[when]))
        found = session.backend.to_pyarrow(chosen.select(*columns).limit(limit)).to_pylist()
    return [(row["latitude"], row["longitude"], row.get("happened")) for row in found]
