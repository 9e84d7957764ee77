"""Which neighborhood and council district a point lies in, worked out on the server.

The near-me page (citystat/public/near_me.py) sends here the point a resident tapped on
the map, shared from their phone, or whose address was found in a dataset. The test is
made against the boundary layer's full-detail shapes (not the simplified copy the maps
draw), with shapely's STRtree so a few hundred neighborhoods cost a handful of exact
tests per point. Each process keeps a layer's index until the layer changes.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import shapely
import shapely.geometry
from django.utils.translation import gettext as _
from shapely.strtree import STRtree

from citystat.city.models import BoundaryLayer
from citystat.city.places import KINDS, Place, PlaceKind, layer_slug_for


class PointError(ValueError):
    """A latitude or longitude that is not a point on Earth; the message says which."""


@dataclass(frozen=True)
class LayerIndex:
    areas: list[tuple[str, str]]  # (area name, its id or "")
    shapes: list[shapely.Geometry]
    tree: STRtree


# slug → (the layer's updated_at, its index): rebuilt when the layer is reloaded.
_indexes: dict[str, tuple[str, LayerIndex]] = {}
_lock = threading.Lock()


def read_point(latitude: str, longitude: str) -> tuple[float, float]:
    """Return (latitude, longitude) read from text, or raise PointError naming the bad one."""
    values = []
    for label, text, limit in (
        (_("latitude"), latitude, 90),
        (_("longitude"), longitude, 180),
    ):
        try:
            value = float(text.strip())
        except ValueError:
            raise PointError(
                _("The %(coordinate)s “%(text)s” is not a number in decimal degrees.")
                % {"coordinate": label, "text": text.strip()}
            ) from None
        if not math.isfinite(value) or not -limit <= value <= limit:
            raise PointError(
                _("The %(coordinate)s %(value)s is not between -%(limit)s and %(limit)s.")
                % {"coordinate": label, "value": f"{value:g}", "limit": limit}
            )
        values.append(value)
    return values[0], values[1]


def build_index(layer: BoundaryLayer) -> LayerIndex:
    areas, shapes = [], []
    for feature in layer.geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        properties = feature.get("properties") or {}
        name = str(properties.get(layer.name_property) or "").strip()
        if not name or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        area_id = properties.get(layer.id_property) if layer.id_property else None
        shape = shapely.geometry.shape(geometry)
        shapely.prepare(shape)
        areas.append((name, "" if area_id is None else str(area_id).strip()))
        shapes.append(shape)
    return LayerIndex(areas, shapes, STRtree(shapes))


def layer_index(layer_slug: str) -> LayerIndex | None:
    stamp = (
        BoundaryLayer.objects.filter(slug=layer_slug).values_list("updated_at", flat=True).first()
    )
    if stamp is None:
        return None
    with _lock:
        cached = _indexes.get(layer_slug)
        if cached is None or cached[0] != stamp.isoformat():
            layer = BoundaryLayer.objects.get(slug=layer_slug)
            cached = (stamp.isoformat(), build_index(layer))
            _indexes[layer_slug] = cached
    return cached[1]


def area_at(layer_slug: str, latitude: float, longitude: float) -> tuple[str, str] | None:
    """Return (name, id) of the layer's area that holds the point, or None outside them all.

    A point exactly on a border two areas share lies in both; the first in the layer's
    file is answered, so the same point always gets the same area.
    """
    index = layer_index(layer_slug)
    if index is None:
        return None
    point = shapely.Point(longitude, latitude)
    hits = index.tree.query(point, predicate="intersects")
    return index.areas[int(min(hits))] if len(hits) else None


def places_at(latitude: float, longitude: float) -> dict[PlaceKind, Place | None]:
    """Return the neighborhood and the council district holding the point (None: none)."""
    found: dict[PlaceKind, Place | None] = {}
    for kind in KINDS:
        layer_slug = layer_slug_for(kind)
        area = area_at(layer_slug, latitude, longitude) if layer_slug else None
        found[kind] = Place(kind, layer_slug, area[0], area[1]) if layer_slug and area else None
    return found


def area_shape(layer_slug: str, name: str) -> shapely.Geometry | None:
    """Return the full-detail shape of the layer's area called `name`, or None."""
    index = layer_index(layer_slug)
    if index is None:
        return None
    return next(
        (
            shape
            for (area, _id), shape in zip(index.areas, index.shapes, strict=True)
            if area == name
        ),
        None,
    )
