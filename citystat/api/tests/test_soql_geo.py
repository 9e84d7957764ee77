"""SoQL's geometry functions over `location`, checked against shapely and a Python
haversine over the 311 sample's own points (#18)."""

import json
import math

import duckdb
import pytest
import shapely
from shapely.geometry import Point

from citystat.api.soql import Column, SoqlError, compile_query
from citystat.api.soql.expressions import EARTH_RADIUS_METRES
from citystat.api.soql.geometry import MAX_VERTICES


def answer(client, parameters: dict[str, str]):
    response = client.get("/resource/service-requests.json", parameters)
    return response, json.loads(response.getvalue())


@pytest.fixture
def points(client, requests_dataset) -> dict[int, tuple[float, float] | None]:
    """Each case's (longitude, latitude), None where the row has no point."""
    response, rows = answer(client, {"$select": "case_id, latitude, longitude", "$limit": "50000"})
    assert response.status_code == 200, rows
    return {
        int(row["case_id"]): (float(row["longitude"]), float(row["latitude"]))
        if "latitude" in row and "longitude" in row
        else None
        for row in rows
    }


def matching(client, where: str) -> set[int]:
    response, rows = answer(client, {"$select": "case_id", "$where": where, "$limit": "50000"})
    assert response.status_code == 200, rows
    return {int(row["case_id"]) for row in rows}


def around(points, share: float) -> tuple[float, float, float, float]:
    """A box around the middle `share` of the sample's points, so tests cut through it."""
    xs = sorted(point[0] for point in points.values() if point)
    ys = sorted(point[1] for point in points.values() if point)
    low, high = (1 - share) / 2, (1 + share) / 2
    return (
        xs[int(len(xs) * low)],
        ys[int(len(ys) * low)],
        xs[int(len(xs) * high) - 1],
        ys[int(len(ys) * high) - 1],
    )


def shapes(points) -> list[shapely.Geometry]:
    west, south, east, north = around(points, 0.6)
    middle_x, middle_y = (west + east) / 2, (south + north) / 2
    box = shapely.box(west, south, east, north)
    # A hole in the middle, a slanted triangle, and a two-part multipolygon.
    holed = box.difference(shapely.box(middle_x - 0.02, middle_y - 0.02, middle_x, middle_y))
    triangle = shapely.Polygon([(west, south), (east, south), (middle_x, north)])
    far_part = shapely.box(east + 0.01, north + 0.01, east + 0.05, north + 0.05)
    return [box, holed, triangle, shapely.MultiPolygon([triangle, far_part])]


def test_within_polygon_and_intersects_agree_with_shapely(client, points):
    for shape in shapes(points):
        inside = {key for key, point in points.items() if point and shape.contains(Point(point))}
        touching = {
            key for key, point in points.items() if point and shape.intersects(Point(point))
        }
        assert 0 < len(inside) < len(points)
        assert matching(client, f"within_polygon(location, '{shape.wkt}')") == inside
        assert matching(client, f"intersects(location, '{shape.wkt}')") == touching


def test_a_point_on_the_edge_intersects_but_is_not_within(client, points):
    key, (x, y) = next((key, point) for key, point in points.items() if point)
    # The row's point is a vertex of one square and on an edge of the other.
    for square in (
        shapely.box(x, y, x + 0.01, y + 0.01),
        shapely.box(x - 0.01, y - 0.005, x, y + 0.005),
    ):
        assert not square.contains(Point(x, y)) and square.intersects(Point(x, y))
        assert key not in matching(client, f"within_polygon(location, '{square.wkt}')")
        assert key in matching(client, f"intersects(location, '{square.wkt}')")
    assert key in matching(client, f"intersects(location, 'POINT ({x!r} {y!r})')")


def test_a_point_in_a_hole_is_not_within(client, points):
    key, (x, y) = next((key, point) for key, point in points.items() if point)
    holed = shapely.box(x - 0.1, y - 0.1, x + 0.1, y + 0.1).difference(
        shapely.box(x - 0.01, y - 0.01, x + 0.01, y + 0.01)
    )
    assert key not in matching(client, f"within_polygon(location, '{holed.wkt}')")
    assert key in matching(client, f"within_polygon(location, '{holed.buffer(0.02).wkt}')")


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    h = (
        math.sin(math.radians(lat2 - lat1) / 2) ** 2
        + math.cos(math.radians(lat1))
        * math.cos(math.radians(lat2))
        * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(min(1.0, h)))


def test_distance_in_meters_is_the_haversine_distance(client, points):
    centre = (-94.58, 39.1)
    response, rows = answer(
        client,
        {
            "$select": "case_id, distance_in_meters(location, 'POINT (-94.58 39.1)') as d",
            "$limit": "50000",
        },
    )
    assert response.status_code == 200, rows
    found = {int(row["case_id"]): float(row["d"]) if "d" in row else None for row in rows}
    assert found.keys() == points.keys()
    for key, point in points.items():
        if point is None:
            assert found[key] is None
        else:
            assert math.isclose(found[key], haversine(point, centre), rel_tol=1e-9)
    near = {key for key, point in points.items() if point and haversine(point, centre) < 3000}
    assert 0 < len(near) < len(points)
    assert matching(client, "distance_in_meters(location, 'POINT (-94.58 39.1)') < 3000") == near


def test_the_far_side_of_the_earth_is_half_its_circumference_away(client, points):
    # Rounding takes the haversine of an antipode past 1; the answer stays a number.
    key, (x, y) = next((key, point) for key, point in points.items() if point)
    where = f"distance_in_meters(location, 'POINT ({x + 180!r} {-y!r})') > 20000000"
    assert key in matching(client, where)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("within_polygon(location, 'POINT (-94.5 39.1)')", "expected a POLYGON or MULTIPOLYGON"),
        ("within_polygon(location, 'POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))')", "is not valid"),
        ("within_polygon(location, 'POLYGON ((0 0, 1 0')", "is not well-known text"),
        ("within_polygon(location, 'POLYGON EMPTY')", "is empty"),
        ("intersects(location, 'LINESTRING (0 0, 1 1)')", "POLYGON or MULTIPOLYGON or POINT"),
        ("distance_in_meters(location, 'POINT (39.1 -94.5)')", "longitude first"),
        ("distance_in_meters(location, 'POLYGON ((0 0, 1 0, 1 1, 0 0))')", "expected a POINT"),
        ("distance_in_meters(location, 3)", "takes the location and a POINT"),
        ("within_polygon(type, 'POLYGON ((0 0, 1 0, 1 1, 0 0))')", "takes a point column"),
    ],
)
def test_bad_geometry_is_refused_by_function(client, requests_dataset, where, message):
    response, body = answer(client, {"$where": where})
    assert response.status_code == 400
    assert body["error"] is True
    assert message in body["message"]
    assert body["message"].startswith(f"$where: {where.split('(')[0]}()")


def test_too_many_vertices_are_refused():
    columns = {name: Column(name, "number") for name in ("case_id", "latitude", "longitude")}
    many = shapely.Point(-94.5, 39).buffer(0.1, quad_segs=MAX_VERTICES // 4 + 1)
    assert len(shapely.get_coordinates(many)) > MAX_VERTICES
    with pytest.raises(SoqlError, match=f"more than {MAX_VERTICES:,} vertices"):
        compile_query(
            {"$where": f"within_polygon(location, '{many.wkt}')"}, columns, "t", ["case_id"]
        )
    enough = shapely.Point(-94.5, 39).buffer(0.1, quad_segs=MAX_VERTICES // 4 - 1)
    compiled = compile_query(
        {"$where": f"within_polygon(location, '{enough.wkt}')"}, columns, "t", ["case_id"]
    )
    assert "CASE" in compiled.sql


def test_a_dataset_without_a_point_has_no_geometry_functions():
    columns = {"case_id": Column("case_id", "integer")}
    with pytest.raises(SoqlError, match="needs a dataset with latitude and longitude"):
        compile_query({"$where": "intersects(location, 'POINT (1 2)')"}, columns, "t", ["case_id"])


def test_location_is_a_geojson_point_of_the_rows_longitude_and_latitude(client, points):
    response, rows = answer(
        client, {"$select": "case_id, location", "$order": "case_id", "$limit": "50000"}
    )
    assert response.status_code == 200, rows
    assert json.loads(response["X-SODA2-Types"]) == ["number", "point"]
    assert len(rows) == len(points)
    for row in rows:
        point = points[int(row["case_id"])]
        if point is None:
            assert "location" not in row
        else:
            assert row["location"] == {"type": "Point", "coordinates": list(point)}


def test_location_in_csv_geojson_and_groups(client, points):
    key, (x, y) = next((key, point) for key, point in points.items() if point)
    where = f"case_id = {key}"
    csv = client.get(
        "/resource/service-requests.csv", {"$select": "case_id, location", "$where": where}
    )
    assert csv.getvalue().decode().splitlines() == [
        "case_id,location",
        f"{key},POINT ({x!r} {y!r})",
    ]
    geojson = json.loads(
        client.get(
            "/resource/service-requests.geojson",
            {"$select": "case_id, location as here", "$where": where},
        ).getvalue()
    )
    feature = geojson["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [x, y]}
    assert feature["properties"] == {"case_id": str(key)}
    response, groups = answer(
        client, {"$select": "location, count(*)", "$group": "location", "$limit": "50000"}
    )
    assert response.status_code == 200, groups
    counted: dict[tuple[float, float] | None, int] = {}
    for point in points.values():
        counted[point] = counted.get(point, 0) + 1
    assert {
        tuple(group["location"]["coordinates"]) if "location" in group else None: int(
            group["count"]
        )
        for group in groups
    } == counted


def test_location_is_null_where_either_coordinate_is(client, points):
    missing = {key for key, point in points.items() if point is None}
    assert matching(client, "location is null") == missing
    assert matching(client, "location is not null") == points.keys() - missing


@pytest.mark.parametrize(
    "parameters",
    [
        {"$where": "location = 'POINT (1 2)'"},
        {"$order": "location"},
        {"$select": "upper(location)"},
        {"$select": "count(location)"},
    ],
)
def test_location_is_refused_where_a_point_has_no_meaning(client, requests_dataset, parameters):
    response, body = answer(client, parameters)
    assert response.status_code == 400
    assert body["code"] == "query.soql.type-mismatch"
    assert "location is a point" in body["message"]


def test_rows_without_a_point_answer_null_not_false():
    """Checked on DuckDB directly: the 311 sample has a point on every row."""
    columns = {name: Column(name, "number") for name in ("case_id", "latitude", "longitude")}
    connection = duckdb.connect()
    connection.execute(
        "create table t as select * from (values (1, 39.05, -94.55), (2, null, -94.55), "
        "(3, 39.05, null), (4, 45.0, -94.55)) as v(case_id, latitude, longitude)"
    )
    square = "POLYGON ((-94.6 39.0, -94.5 39.0, -94.5 39.1, -94.6 39.1, -94.6 39.0))"
    compiled = compile_query(
        {
            "$select": f"case_id, location, within_polygon(location, '{square}') as inside, "
            f"intersects(location, '{square}') as touches, "
            "distance_in_meters(location, 'POINT (-94.55 39.05)') as d",
        },
        columns,
        "t",
        ["case_id"],
    )
    rows = connection.execute(compiled.sql).fetchall()
    assert compiled.points == {"location"}
    assert rows == [
        (1, [-94.55, 39.05], True, True, 0.0),
        (2, None, None, None, None),
        (3, None, None, None, None),
        (
            4,
            [-94.55, 45.0],
            False,
            False,
            pytest.approx(haversine((-94.55, 45.0), (-94.55, 39.05))),
        ),
    ]
    missing = compile_query({"$where": "location is null"}, columns, "t", ["case_id"])
    assert [row[0] for row in connection.execute(missing.sql).fetchall()] == [2, 3]
