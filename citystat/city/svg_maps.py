"""Maps of the city drawn as SVG on the server: no tiles, no script, no other host.

The near-me page and the neighborhood and district pages draw their maps here from the
boundary layers' simplified shapes (citystat.city.maps.layer_features). The projection is
equirectangular, with longitude shrunk by the cosine of the map's middle latitude: over a
city's few tens of kilometres it is as true as Mercator, and it is linear, so the near-me
script turns a tap back into a longitude and latitude with the four numbers the SVG
carries (`data-west`, `data-north`, `data-x-scale`, `data-y-scale`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from citystat.city.maps import UnknownLayer, layer_features
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


@dataclass(frozen=True)
class AreaShape:
    name: str
    label: str  # as residents read it: "District 3"
    url: str | None
    path: str
    selected: bool = False


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
    try:
        _layer, features = layer_features(layer_slug)
    except UnknownLayer:
        return None
    if not features:
        return None
    projection = projection_for(bounds_of(features))
    chosen = set(selected)
    kind = kind_of_layer(layer_slug)
    linkable = linked and kind is not None
    areas = [
        AreaShape(
            name=f["properties"]["name"],
            label=area_label(layer_slug, f["properties"]["name"]),
            url=area_url(layer_slug, f["properties"]["name"]) if linkable else None,
            path=path_data(f["geometry"], projection),
            selected=f["properties"]["name"] in chosen,
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
