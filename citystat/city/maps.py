"""Maps of the city's areas as Vega-Lite geoshape specs, drawn from its boundary layers.

No tile server: the shapes come from city.BoundaryLayer GeoJSON, inlined in the spec so
the browser (vega-embed) and the server (citystat.lib.charts) draw the same map on a
closed network. Boundary files are detailed (a megabyte for a few hundred
neighborhoods); pages get a simplified copy, about fifty metres coarse, cached until the
layer changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry
from django.core.cache import cache
from django.utils.translation import gettext as _

from citystat.city.models import BoundaryLayer
from citystat.city.places import area_url

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
CACHE_SECONDS = 24 * 60 * 60
# Coverage simplification drops vertices whose triangle's area is under this tolerance
# squared (degrees). 0.0015 keeps about as many vertices on Kansas City's 246
# neighborhoods (3,547 of 25,795) as the 50-metre line simplification did before it: the
# shapes are unchanged at page size.
SIMPLIFY_TOLERANCE = 0.0015
# A sequential blue scale whose darkest step keeps white labels readable.
SCALE_SCHEME = "blues"
NO_DATA_FILL = "#f2f2f2"
OUTLINE = "#555555"

Ring = list[list[float]]


class UnknownLayer(LookupError):
    pass


def layer_for_breakdown(field: str) -> str | None:
    """Return the slug of the boundary layer a breakdown field maps onto, if any.

    `council_district` reads the `council-districts` layer, `neighborhood` the
    `neighborhoods` one: the field's words, hyphenated, singular or plural.
    """
    words = field.strip().lower().replace("_", "-")
    slugs = set(BoundaryLayer.objects.values_list("slug", flat=True))
    for candidate in (words, words + "s", words + "es", words.removesuffix("s")):
        if candidate in slugs:
            return candidate
    return None


def signed_area(ring: Ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def oriented(ring: Ring, exterior: bool) -> Ring:
    """Wind exterior rings clockwise and holes anticlockwise, as d3-geo (Vega) expects;
    otherwise a polygon is read as the whole globe minus the area."""
    clockwise = signed_area(ring) < 0
    return ring if clockwise == exterior else ring[::-1]


def rounded_rings(polygon: shapely.Polygon) -> list[Ring]:
    """Return the polygon's rings as lists, five decimals (a metre), wound for Vega."""
    rings = [polygon.exterior, *polygon.interiors]
    return [
        oriented([[round(x, 5), round(y, 5)] for x, y, *_ in ring.coords], exterior=index == 0)
        for index, ring in enumerate(rings)
    ]


def simplified_features(layer: BoundaryLayer, tolerance: float) -> list[dict[str, Any]]:
    """Return the layer's features with only the area name kept and geometry simplified.

    The areas are simplified together as one coverage (shapely's coverage simplification),
    so that a border two neighbours share stays one line: simplifying each ring alone
    moves it differently on either side and leaves slivers and gaps between them.
    """
    names, shapes = [], []
    for feature in layer.geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        properties = feature.get("properties") or {}
        name = str(properties.get(layer.name_property) or "").strip()
        if not name or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        area_id = properties.get(layer.id_property) if layer.id_property else None
        names.append((name, "" if area_id is None else str(area_id).strip()))
        shapes.append(shapely.geometry.shape(geometry))
    if not shapes:
        return []
    simplified = shapely.coverage_simplify(np.array(shapes, dtype=object), tolerance)
    features = []
    for (name, area_id), shape in zip(names, simplified, strict=True):
        if isinstance(shape, shapely.Polygon):
            geometry = {"type": "Polygon", "coordinates": rounded_rings(shape)}
        else:
            polygons = [rounded_rings(part) for part in shape.geoms]
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        # Only the name and the id the city's data may use for the area: boundary files
        # often carry officials' names and internal fields.
        properties = {"name": name, "id": area_id} if area_id else {"name": name}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return features


def layer_features(layer_slug: str) -> tuple[BoundaryLayer, list[dict[str, Any]]]:
    """Return the layer and its simplified features, cached until the layer changes."""
    layer = BoundaryLayer.objects.filter(slug=layer_slug).defer("geojson").first()
    if layer is None:
        raise UnknownLayer(f"there is no boundary layer {layer_slug!r}")
    key = f"citystat:maps:v2:{layer_slug}:{layer.updated_at.isoformat()}"
    features = cache.get(key)
    if features is None:
        layer.refresh_from_db(fields=["geojson"])
        features = simplified_features(layer, SIMPLIFY_TOLERANCE)
        cache.set(key, features, CACHE_SECONDS)
    return layer, features


def map_spec(description: str) -> dict[str, Any]:
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": description,
        "width": "container",
        "height": 360,
        "autosize": {"type": "fit", "contains": "padding"},
        "projection": {"type": "mercator"},
        "config": {
            "font": "system-ui, sans-serif",
            "view": {"stroke": None},
            "legend": {"labelColor": "#333333", "titleColor": "#333333"},
        },
    }


def choropleth(
    layer_slug: str,
    values: dict[str, float | None],
    *,
    title: str,
    value_format: str = ",.1f",
) -> dict[str, Any]:
    """Return a map of `layer_slug`'s areas shaded by `values` (area name or id → value).

    Areas without a value are drawn light grey and say "no data" in their tooltip, so a
    missing value is never mistaken for a low one.
    """
    _layer, features = layer_features(layer_slug)
    shaded = [
        {**f, "properties": {**f["properties"], "value": area_value(f["properties"], values)}}
        for f in features
    ]
    spec = map_spec(_("Map: %(title)s, by area.") % {"title": title})
    spec["data"] = {"values": shaded, "format": {"type": "json"}}
    spec["layer"] = [
        {
            "mark": {
                "type": "geoshape",
                "fill": NO_DATA_FILL,
                "stroke": OUTLINE,
                "strokeWidth": 0.6,
            },
            "encoding": {
                "tooltip": [{"field": "properties.name", "type": "nominal", "title": _("Area")}]
            },
        },
        {
            "transform": [{"filter": "isValid(datum.properties.value)"}],
            "mark": {"type": "geoshape", "stroke": OUTLINE, "strokeWidth": 0.6},
            "encoding": {
                "color": {
                    "field": "properties.value",
                    "type": "quantitative",
                    "title": title,
                    "scale": {"scheme": SCALE_SCHEME},
                    "legend": {
                        "format": value_format,
                        "orient": "bottom",
                        "titleLimit": 600,
                        "gradientLength": 240,
                    },
                },
                "tooltip": [
                    {"field": "properties.name", "type": "nominal", "title": _("Area")},
                    {
                        "field": "properties.value",
                        "type": "quantitative",
                        "title": title,
                        "format": value_format,
                    },
                ],
            },
        },
    ]
    return spec


def area_value(properties: dict[str, Any], values: dict[str, float | None]) -> float | None:
    """Return the value for an area, keyed by its name or, when the data uses ids, its id."""
    if properties["name"] in values:
        return values[properties["name"]]
    area_id = properties.get("id")
    return values.get(area_id) if area_id else None


def area_picker(layer_slug: str) -> dict[str, Any]:
    """Return a map of the layer's areas where each shape links to its area page."""
    layer, features = layer_features(layer_slug)
    linked = []
    for feature in features:
        try:
            url = area_url(layer_slug, feature["properties"]["name"])
        except Exception:  # noqa: BLE001 — no place pages for this layer: plain shapes
            url = None
        linked.append({**feature, "properties": {**feature["properties"], "url": url}})
    spec = map_spec(
        _("Map of %(layer)s: choose an area to open its page.") % {"layer": layer.title}
    )
    spec["data"] = {"values": linked, "format": {"type": "json"}}
    spec["mark"] = {
        "type": "geoshape",
        "fill": "#dce6f0",
        "stroke": OUTLINE,
        "strokeWidth": 0.6,
        "cursor": "pointer",
    }
    spec["encoding"] = {
        "href": {"field": "properties.url", "type": "nominal"},
        "tooltip": [{"field": "properties.name", "type": "nominal", "title": layer.title}],
    }
    return spec
