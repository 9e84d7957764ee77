"""Point-in-polygon lookup, against shapes whose answers are known by construction.

The layers are squares, a square with a hole, and an L made of two squares (a
MultiPolygon); every answer below follows from the coordinates alone, and a grid of
points is checked against a ray-casting test written here, independently of shapely.
"""

from __future__ import annotations

from typing import Any

import pytest

from citystat.city.lookup import PointError, area_at, places_at, read_point
from citystat.city.models import BoundaryLayer


def square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def feature(name: str, geometry: dict[str, Any], number: int) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"NAME": name, "NUM": number}, "geometry": geometry}


SHAPES: dict[str, dict[str, Any]] = {
    # West: a 1° square with a 0.5° hole in its middle (a park that is another area).
    "Ring": {"type": "Polygon", "coordinates": [square(-95, 39, 1), square(-94.75, 39.25, 0.5)]},
    "Park": {"type": "Polygon", "coordinates": [square(-94.75, 39.25, 0.5)]},
    # East: an L of two squares, one area.
    "Ell": {
        "type": "MultiPolygon",
        "coordinates": [[square(-94, 39, 0.5)], [square(-94, 39.5, 0.5)], [square(-93.5, 39, 0.5)]],
    },
}


@pytest.fixture
def neighborhoods(db):
    return BoundaryLayer.objects.create(
        slug="neighborhoods",
        title="Neighborhoods",
        name_property="NAME",
        id_property="NUM",
        geojson={
            "type": "FeatureCollection",
            "features": [feature(n, g, i) for i, (n, g) in enumerate(SHAPES.items(), 1)],
        },
    )


@pytest.fixture
def districts(db):
    return BoundaryLayer.objects.create(
        slug="council-districts",
        title="Council districts",
        name_property="NAME",
        geojson={
            "type": "FeatureCollection",
            "features": [
                feature("1", {"type": "Polygon", "coordinates": [square(-95, 39, 1)]}, 1),
                feature("2", {"type": "Polygon", "coordinates": [square(-94, 39, 1)]}, 2),
            ],
        },
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (39.1, -94.9, ("Ring", "1")),  # in the ring, outside the hole
        (39.5, -94.5, ("Park", "2")),  # in the hole: the park, not the ring
        (39.25, -93.75, ("Ell", "3")),  # first square of the L
        (39.25, -93.25, ("Ell", "3")),  # its third square
        (39.75, -93.25, None),  # the L's missing corner
        (40.5, -94.5, None),  # north of everything
    ],
)
def test_a_point_gets_the_area_that_holds_it(neighborhoods, latitude, longitude, expected):
    assert area_at("neighborhoods", latitude, longitude) == expected


def test_a_point_on_a_shared_border_gets_the_first_area_every_time(neighborhoods):
    # x = -94 is both the ring's east edge and the L's west edge.
    assert area_at("neighborhoods", 39.1, -94.0) == ("Ring", "1")


def ray_cast(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def expected_area(x: float, y: float) -> str | None:
    for name, geometry in SHAPES.items():
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            if ray_cast(x, y, rings[0]) and not any(ray_cast(x, y, hole) for hole in rings[1:]):
                return name
    return None


def test_a_grid_of_points_agrees_with_a_ray_casting_test(neighborhoods):
    # Points on an off-grid lattice, so none lies on an edge where the two tests may differ.
    checked = 0
    for i in range(40):
        for j in range(30):
            x, y = -95.2 + i * 0.0517, 38.9 + j * 0.0413
            found = area_at("neighborhoods", y, x)
            assert (found[0] if found else None) == expected_area(x, y), (x, y)
            checked += found is not None
    assert checked > 500


def test_both_kinds_of_place_are_found(neighborhoods, districts):
    found = places_at(39.5, -94.5)
    assert found["neighborhood"].name == "Park" and found["neighborhood"].area_id == "2"
    assert found["district"].name == "1" and found["district"].label == "District 1"


def test_a_reloaded_layer_is_read_again(neighborhoods):
    assert area_at("neighborhoods", 39.1, -94.9) == ("Ring", "1")
    neighborhoods.geojson["features"][0]["properties"]["NAME"] = "Renamed"
    neighborhoods.save()
    assert area_at("neighborhoods", 39.1, -94.9) == ("Renamed", "1")


def test_without_layers_nothing_is_found(db):
    assert places_at(39.1, -94.9) == {"neighborhood": None, "district": None}


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("39.1", "west", "The longitude “west” is not a number in decimal degrees."),
        ("", "-94.5", "The latitude “” is not a number in decimal degrees."),
        ("91", "-94.5", "The latitude 91 is not between -90 and 90."),
        ("39", "-194.5", "The longitude -194.5 is not between -180 and 180."),
        ("nan", "-94.5", "The latitude nan is not between -90 and 90."),
    ],
)
def test_a_point_that_is_not_on_earth_is_refused_by_name(latitude, longitude, message):
    with pytest.raises(PointError) as raised:
        read_point(latitude, longitude)
    assert str(raised.value) == message
