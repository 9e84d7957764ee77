"""SoQL's geometry functions over a point column, compiled to plain SQL (#18).

`within_polygon`, `intersects` and `distance_in_meters` run on every warehouse engine
without a spatial extension (no DuckDB spatial, no PostGIS): the WKT the query gives is
parsed here with shapely, and its rings become arithmetic on the row's latitude and
longitude. Coordinates are planar degrees (x = longitude, y = latitude), as Socrata's
geometry functions read them; distances are on a sphere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlglot import exp

# More vertices than a district boundary needs: each adds terms to the SQL, whose
# compiling and running time grow with them.
MAX_VERTICES = 1_000


def as_expression(node: object) -> exp.Expression:
    """Narrow sqlglot's builder return types for the type checker."""
    return cast(exp.Expression, node)


def double(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("double"))


def number(value: float) -> exp.Expression:
    return exp.Literal.number(repr(float(value)))


class GeometryError(ValueError):
    """WKT a geometry function cannot take; the message says why, without the function."""


def parse_wkt(text: str, kinds: tuple[str, ...]) -> BaseGeometry:
    """Return the geometry `text` describes, if it is valid and one of `kinds`
    (shapely's names: Point, Polygon, MultiPolygon)."""
    try:
        geometry = shapely.from_wkt(text)
    except (ShapelyError, ValueError):
        raise GeometryError(f"{text[:60]!r} is not well-known text (WKT).") from None
    if geometry is None or geometry.geom_type not in kinds:
        found = "nothing" if geometry is None else geometry.geom_type.upper()
        wanted = " or ".join(kind.upper() for kind in kinds)
        raise GeometryError(f"expected a {wanted}, not {found}.")
    if geometry.is_empty:
        raise GeometryError(f"the {geometry.geom_type.upper()} is empty.")
    if geometry.has_z:
        raise GeometryError("expected two coordinates (longitude latitude) per vertex.")
    coordinates = shapely.get_coordinates(geometry)
    if len(coordinates) > MAX_VERTICES:
        raise GeometryError(f"more than {MAX_VERTICES:,} vertices ({len(coordinates):,}).")
    for x, y in coordinates:
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise GeometryError(
                f"({x:g} {y:g}) is not a longitude and latitude; WKT gives longitude first."
            )
    if not geometry.is_valid:
        # The even-odd test below is only right for valid polygons: rings that do not
        # cross, holes inside their shell, parts that do not overlap.
        reason = shapely.is_valid_reason(geometry)
        raise GeometryError(f"the {geometry.geom_type.upper()} is not valid ({reason}).")
    return geometry


def rings(geometry: Polygon | MultiPolygon) -> list[list[tuple[float, float]]]:
    """Every ring of the polygon(s), shells and holes alike, as closed vertex lists."""
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    found = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            found.append([(float(x), float(y)) for x, y in ring.coords])
    return found


def balanced(
    nodes: list[exp.Expression], join: Callable[[exp.Expression, exp.Expression], exp.Expression]
) -> exp.Expression:
    """Join many terms as a balanced tree, so neither sqlglot nor an engine's parser
    recurses once per term (a 2,000-vertex polygon would exceed their stacks)."""
    while len(nodes) > 1:
        nodes = [
            join(nodes[i], nodes[i + 1]) if i + 1 < len(nodes) else nodes[i]
            for i in range(0, len(nodes), 2)
        ]
    return nodes[0]


def all_of(*nodes: exp.Expression) -> exp.Expression:
    return as_expression(exp.and_(*[exp.Paren(this=node) for node in nodes], copy=False))


def edges(geometry: Polygon | MultiPolygon) -> list[tuple[float, float, float, float]]:
    return [
        (*ring[i], *ring[i + 1])
        for ring in rings(geometry)
        for i in range(len(ring) - 1)
        if ring[i] != ring[i + 1]
    ]


def edge_term(
    edge: tuple[float, float, float, float], x: exp.Expression, y: exp.Expression
) -> exp.Expression:
    """1 where a ray from the point towards +x crosses the edge, null where the point
    lies on it, else 0.

    An edge counts when the point's y lies in [lower end, upper end), so a ray through a
    vertex counts it once; horizontal edges never count. Which side of the edge the point
    is on is the sign of a cross product in doubles: exact for vertices and for edges
    parallel to an axis, so a point within about 1e-12 degrees of a slanted edge may be
    decided either way.
    """
    x1, y1, x2, y2 = edge
    if y1 > y2:
        x1, y1, x2, y2 = x2, y2, x1, y1
    if y1 == y2:
        on_edge = all_of(
            exp.EQ(this=y.copy(), expression=number(y1)),
            exp.Between(this=x.copy(), low=number(min(x1, x2)), high=number(max(x1, x2))),
        )
        return exp.Case(ifs=[exp.If(this=on_edge, true=exp.Null())], default=exp.Literal.number(0))
    # (x2 - x1)(y - y1) - (y2 - y1)(x - x1): positive left of the upward edge.
    cross = exp.Sub(
        this=exp.Mul(
            this=number(x2 - x1),
            expression=exp.Paren(this=exp.Sub(this=y.copy(), expression=number(y1))),
        ),
        expression=exp.Mul(
            this=number(y2 - y1),
            expression=exp.Paren(this=exp.Sub(this=x.copy(), expression=number(x1))),
        ),
    )
    below_top = exp.Case(
        ifs=[exp.If(this=exp.LT(this=y.copy(), expression=number(y2)), true=exp.Literal.number(1))],
        default=exp.Literal.number(0),
    )
    by_side = exp.Case(
        this=exp.Sign(this=cross),
        ifs=[
            exp.If(this=exp.Literal.number(0), true=exp.Null()),
            exp.If(this=exp.Literal.number(1), true=below_top),
        ],
        default=exp.Literal.number(0),
    )
    outside = exp.Or(
        this=exp.LT(this=y.copy(), expression=number(y1)),
        expression=exp.GT(this=y.copy(), expression=number(y2)),
    )
    return exp.Case(ifs=[exp.If(this=outside, true=exp.Literal.number(0))], default=by_side)


def crossings(
    geometry: Polygon | MultiPolygon, x: exp.Expression, y: exp.Expression
) -> exp.Expression:
    """How many edges a ray from the point towards +x crosses; null on the boundary.

    Holes are rings too, so a point in a hole crosses an even number of times. Only the
    edges that reach the point's band of latitude are added up for it: the polygon's
    latitudes are cut into about sqrt(edges) bands, so each row tests a few dozen edges
    rather than all of them.
    """
    every = edges(geometry)
    if not every:
        return exp.Literal.number(0)
    latitudes = sorted({value for edge in every for value in (edge[1], edge[3])})
    count = max(1, min(len(latitudes) - 1, math.isqrt(len(every))))
    cuts = [latitudes[len(latitudes) * i // count] for i in range(1, count)]
    bounds = [-math.inf, *cuts, math.inf]
    branches = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        near = [
            edge for edge in every if min(edge[1], edge[3]) <= high and max(edge[1], edge[3]) >= low
        ]
        total = (
            balanced(
                [edge_term(edge, x, y) for edge in near],
                lambda a, b: exp.Paren(this=exp.Add(this=a, expression=b)),
            )
            if near
            else exp.Literal.number(0)
        )
        branches.append((high, total))
    *banded, (_, last) = branches
    if not banded:
        return last
    return exp.Case(
        ifs=[
            exp.If(this=exp.LT(this=y.copy(), expression=number(high)), true=total)
            for high, total in banded
        ],
        default=last,
    )


def odd(total: exp.Expression, on_boundary: bool) -> exp.Expression:
    """Whether the crossings are odd; a point on the boundary (null total) is `on_boundary`."""
    parity = exp.EQ(
        this=exp.Mod(this=exp.Paren(this=total), expression=exp.Literal.number(2)),
        expression=exp.Literal.number(1),
    )
    return exp.Coalesce(this=parity, expressions=[exp.Boolean(this=on_boundary)])


def in_bounds(geometry: BaseGeometry, x: exp.Expression, y: exp.Expression) -> exp.Expression:
    west, south, east, north = geometry.bounds
    return all_of(
        exp.Between(this=y.copy(), low=number(south), high=number(north)),
        exp.Between(this=x.copy(), low=number(west), high=number(east)),
    )


def where_set(
    latitude: exp.Expression, longitude: exp.Expression, test: exp.Expression
) -> exp.Expression:
    """Null where the row has no point (as Socrata's null location), else `test`."""
    present = all_of(
        exp.Not(this=exp.Is(this=latitude.copy(), expression=exp.Null())),
        exp.Not(this=exp.Is(this=longitude.copy(), expression=exp.Null())),
    )
    return exp.Case(ifs=[exp.If(this=present, true=exp.Paren(this=test))])


def within_polygon(
    geometry: Polygon | MultiPolygon, latitude: exp.Expression, longitude: exp.Expression
) -> exp.Expression:
    """The point is inside the polygon(s): not on an edge, not in a hole (ST_Within)."""
    x, y = double(longitude), double(latitude)
    inside = all_of(in_bounds(geometry, x, y), odd(crossings(geometry, x, y), False))
    return where_set(latitude, longitude, inside)


def intersects(
    geometry: BaseGeometry, latitude: exp.Expression, longitude: exp.Expression
) -> exp.Expression:
    """The point touches the geometry: inside a polygon or on its edge, or the same point."""
    x, y = double(longitude), double(latitude)
    if isinstance(geometry, Point):
        test = all_of(
            exp.EQ(this=x, expression=number(geometry.x)),
            exp.EQ(this=y, expression=number(geometry.y)),
        )
    else:
        assert isinstance(geometry, Polygon | MultiPolygon)
        test = all_of(in_bounds(geometry, x, y), odd(crossings(geometry, x, y), True))
    return where_set(latitude, longitude, test)


def distance_in_meters(
    point: Point, latitude: exp.Expression, longitude: exp.Expression, radius: float
) -> exp.Expression:
    """Great-circle distance in metres from the row's point to `point` (haversine on a
    sphere of `radius` metres); null where the row has no point."""
    lat, lon = double(latitude), double(longitude)

    def half_sine_squared(difference: exp.Expression) -> exp.Expression:
        half = exp.Div(
            this=exp.Radians(this=difference),
            expression=exp.Literal.number(2),
        )
        return exp.Pow(this=exp.Sin(this=half), expression=exp.Literal.number(2))

    def cosine(degrees: exp.Expression) -> exp.Expression:
        return exp.Cos(this=exp.Radians(this=degrees))

    def haversine() -> exp.Expression:
        return exp.Add(
            this=half_sine_squared(exp.Sub(this=lat.copy(), expression=number(point.y))),
            expression=exp.Mul(
                this=exp.Mul(this=cosine(number(point.y)), expression=cosine(lat.copy())),
                expression=half_sine_squared(exp.Sub(this=lon.copy(), expression=number(point.x))),
            ),
        )

    # Rounding can take the haversine of two near-antipodal points just past 1, where
    # asin is undefined (PostgreSQL refuses it, DuckDB answers NaN): it is 1 there.
    clamped = exp.Case(
        ifs=[
            exp.If(this=exp.GT(this=haversine(), expression=exp.Literal.number(1)), true=number(1))
        ],
        default=haversine(),
    )
    return exp.Mul(
        this=number(2 * radius),
        expression=exp.Asin(this=exp.Sqrt(this=clamped)),
    )
