"""Maps of the city drawn as SVG on the server: no tiles, no script, no other host.

The near-me page and the neighborhood and district pages draw their maps here from the
boundary layers' simplified shapes (citystat.city.maps.layer_features). The projection is
equirectangular, with longitude shrunk by the cosine of the map's middle latitude: over a
city's few tens of kilometres it is as true as Mercator, and it is linear, so the near-me
script turns a tap back into a longitude and latitude with the four numbers the SVG
carries (`data-west`, `data-north`, `data-x-scale`, `data-y-scale`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from citystat.city.maps import UnknownLayer, layer_features
from citystat.city.models import BoundaryLayer
from citystat.city.places import Place, area_url, kind_of_layer

WIDTH = 800.0
MARGIN = 0.04  # of the map's span, on each side


@dataclass(frozen=True)
class Projection:
    west: float
    north: float
    x_scale: float  # SVG units per degree of longitude
    y_scale: float  # SVG units per degree of latitude
    width: float
    height: float

    def xy(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (longitude - self.west) * self.x_scale, (self.north - latitude) * self.y_scale


@dataclass
class AreaShape:
    name: str
    label: str  # as residents read it: "District 3"
    url: str | None
    path: str
    selected: bool = False

    @functools.cached_property
    def markup(self) -> str:
        """Return the area's SVG, a link to its page when it has one.

        Kept on the shape: the memoized layer maps (`base_map`) are drawn on every near-me
        page, and formatting a few hundred areas each time was most of its time.
        """
        selected = " svg-map__area--selected" if self.selected else ""
        shape = format_html(
            '<path class="svg-map__area{}" fill-rule="evenodd" d="{}"><title>{}</title></path>',
            selected,
            self.path,
            self.label,
        )
        if self.url:
            shape = format_html(
                '<a href="{}" class="svg-map__link" aria-label="{}">{}</a>',
                self.url,
                self.label,
                shape,
            )
        return shape


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    series: int
    title: str


@dataclass(frozen=True)
class PointSeries:
    label: str
    count: int
    url: str | None = None


@dataclass
class SvgMap:
    projection: Projection
    areas: list[AreaShape]
    points: list[MapPoint] = field(default_factory=list)
    series: list[PointSeries] = field(default_factory=list)
    marker: tuple[float, float] | None = None

    @property
    def view_box(self) -> str:
        return f"0 0 {self.projection.width:.0f} {self.projection.height:.0f}"


def projection_for(bounds: tuple[float, float, float, float], width: float = WIDTH) -> Projection:
    """Return the projection that fits (west, south, east, north) into `width` units."""
    west, south, east, north = bounds
    span_x, span_y = max(east - west, 1e-6), max(north - south, 1e-6)
    west, east = west - span_x * MARGIN, east + span_x * MARGIN
    south, north = south - span_y * MARGIN, north + span_y * MARGIN
    shrink = math.cos(math.radians((north + south) / 2))
    x_scale = width / (east - west)
    y_scale = x_scale / shrink
    return Projection(west, north, x_scale, y_scale, width, (north - south) * y_scale)


def rings_of(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield from polygon


def bounds_of(features: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for feature in features:
        for ring in rings_of(feature["geometry"]):
            xs += [point[0] for point in ring]
            ys += [point[1] for point in ring]
    return min(xs), min(ys), max(xs), max(ys)


def path_data(geometry: dict[str, Any], projection: Projection) -> str:
    """Return an SVG path's `d` for a Polygon or MultiPolygon: one closed subpath a ring.

    Holes need no special winding: the template fills paths with the evenodd rule.
    """
    parts = []
    for ring in rings_of(geometry):
        points = [projection.xy(x, y) for x, y, *_ in ring]
        parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def layer_map(layer_slug: str, selected: Iterable[str] = (), linked: bool = True) -> SvgMap | None:
    """Return the whole layer as a map, each area linking to its page; None without it."""
    base = base_map(layer_slug, linked)
    if base is None:
        return None
    chosen = set(selected)
    areas = [replace(area, selected=True) if area.name in chosen else area for area in base.areas]
    return SvgMap(base.projection, areas)


# (layer slug, its updated_at, linked, language) → its map: projecting a few hundred areas
# and reading them from the cache took most of the near-me page's time. A reloaded layer
# has a new updated_at, so a stale map is never used; the memo is emptied when it grows.
_base_maps: dict[tuple[str, str, bool, str], SvgMap | None] = {}
MEMO_SIZE = 32


def base_map(layer_slug: str, linked: bool) -> SvgMap | None:
    stamp = (
        BoundaryLayer.objects.filter(slug=layer_slug).values_list("updated_at", flat=True).first()
    )
    if stamp is None:
        return None
    key = (layer_slug, stamp.isoformat(), linked, get_language() or "")
    if key not in _base_maps:
        if len(_base_maps) >= MEMO_SIZE:
            _base_maps.clear()
        _base_maps[key] = draw_layer(layer_slug, linked)
    return _base_maps[key]


def draw_layer(layer_slug: str, linked: bool) -> SvgMap | None:
    try:
        _layer, features = layer_features(layer_slug)
    except UnknownLayer:
        return None
    if not features:
        return None
    projection = projection_for(bounds_of(features))
    linkable = linked and kind_of_layer(layer_slug) is not None
    areas = [
        AreaShape(
            name=f["properties"]["name"],
            label=area_label(layer_slug, f["properties"]["name"]),
            url=area_url(layer_slug, f["properties"]["name"]) if linkable else None,
            path=path_data(f["geometry"], projection),
        )
        for f in features
    ]
    return SvgMap(projection, areas)


def area_map(layer_slug: str, name: str) -> SvgMap | None:
    """Return one area alone, filling the map; None when the layer has no such area."""
    try:
        _layer, features = layer_features(layer_slug)
    except UnknownLayer:
        return None
    own = [f for f in features if f["properties"]["name"] == name]
    if not own:
        return None
    projection = projection_for(bounds_of(own))
    shape = AreaShape(
        name,
        area_label(layer_slug, name),
        None,
        path_data(own[0]["geometry"], projection),
        selected=True,
    )
    return SvgMap(projection, [shape])


def area_label(layer_slug: str, name: str) -> str:
    kind = kind_of_layer(layer_slug)
    return Place(kind, layer_slug, name).label if kind else name


def add_points(
    svg_map: SvgMap, label: str, points: list[tuple[float, float, str]], url: str | None = None
) -> None:
    """Add a series of (latitude, longitude, title) points, drawn in the series' colour."""
    series = len(svg_map.series)
    svg_map.series.append(PointSeries(label, len(points), url))
    for latitude, longitude, title in points:
        x, y = svg_map.projection.xy(longitude, latitude)
        svg_map.points.append(MapPoint(round(x, 1), round(y, 1), series, title))


def mark(svg_map: SvgMap, latitude: float, longitude: float) -> None:
    """Mark the point a resident chose, when it falls on the map."""
    x, y = svg_map.projection.xy(longitude, latitude)
    if 0 <= x <= svg_map.projection.width and 0 <= y <= svg_map.projection.height:
        svg_map.marker = (round(x, 1), round(y, 1))


def svg_markup(svg_map: SvgMap, label: str, tappable: bool = False) -> SafeString:
    """Return the map as an SVG element: areas (links where they have a page), points, mark.

    Written here rather than in a template: a few hundred areas through the template
    engine cost more than the rest of the page.
    """
    projection = svg_map.projection
    parts: list[str] = [
        format_html(
            '<svg class="svg-map__svg" viewBox="{}" preserveAspectRatio="xMidYMid meet" '
            'role="group" aria-label="{}"',
            svg_map.view_box,
            label,
        )
    ]
    if tappable:
        parts.append(
            format_html(
                ' data-near-me data-west="{}" data-north="{}" data-x-scale="{}" data-y-scale="{}"',
                f"{projection.west:.7f}",
                f"{projection.north:.7f}",
                f"{projection.x_scale:.7f}",
                f"{projection.y_scale:.7f}",
            )
        )
    parts.append(">")
    parts += [area.markup for area in svg_map.areas]
    for point in svg_map.points:
        parts.append(
            format_html(
                '<circle class="svg-map__point svg-map__point--{}" cx="{}" cy="{}" '
                'r="4"><title>{}</title></circle>',
                point.series,
                f"{point.x:.1f}",
                f"{point.y:.1f}",
                point.title,
            )
        )
    if svg_map.marker:
        parts.append(
            format_html(
                '<circle class="svg-map__marker" cx="{}" cy="{}" r="9"><title>{}</title></circle>',
                f"{svg_map.marker[0]:.1f}",
                f"{svg_map.marker[1]:.1f}",
                _("The point you chose"),
            )
        )
    parts.append("</svg>")
    return mark_safe("\n".join(parts))  # noqa: S308 — every part is built by format_html
