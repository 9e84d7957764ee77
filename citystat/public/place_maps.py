"""A neighborhood's or district's own map, with the newest rows of point datasets on it.

Every public dataset that publishes `latitude` and `longitude` is drawn, each in its own
colour (311 requests and demolitions in the demo city; whatever a city publishes with a
point elsewhere). Rows are chosen in the area's box by the engine, then kept when the
area's full-detail shape holds them. Only the point and its date reach the page, never
a row's other columns. The map is cached until a dataset or the boundaries change.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import shapely
from django.core.cache import cache
from django.urls import reverse
from django.utils.formats import date_format

from citystat.catalog import engines
from citystat.catalog.places_data import POINTS_PER_DATASET, event_datasets, recent_points
from citystat.city import svg_maps
from citystat.city.lookup import area_shape
from citystat.city.models import BoundaryLayer
from citystat.city.places import Place

CACHE_SECONDS = 6 * 60 * 60


def place_map(place: Place) -> svg_maps.SvgMap | None:
    """Return the place's map with the newest points of each point dataset inside it."""
    stamp = (
        BoundaryLayer.objects.filter(slug=place.layer_slug)
        .values_list("updated_at", flat=True)
        .first()
    )
    versions = sorted(engines.published_versions().items())
    state = f"{place.layer_slug}:{place.name}:{stamp}:{versions}"
    key = "citystat:place-map:v1:" + hashlib.sha256(state.encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = draw(place)
        cache.set(key, found, CACHE_SECONDS)
    return found


def draw(place: Place) -> svg_maps.SvgMap | None:
    drawn = svg_maps.area_map(place.layer_slug, place.name)
    shape = area_shape(place.layer_slug, place.name)
    if drawn is None or shape is None:
        return None
    west, south, east, north = shape.bounds
    for dataset in event_datasets():
        rows = recent_points(dataset, (west, south, east, north), POINTS_PER_DATASET)
        inside = [
            (latitude, longitude, point_title(dataset.title, when))
            for latitude, longitude, when in rows
            if shape.covers(shapely.Point(longitude, latitude))
        ]
        if inside:
            svg_maps.add_points(
                drawn, dataset.title, inside, url=reverse("dataset", args=[dataset.slug])
            )
    return drawn


def point_title(title: str, when: dt.date | None) -> str:
    return f"{title}, {date_format(when)}" if when is not None else title
