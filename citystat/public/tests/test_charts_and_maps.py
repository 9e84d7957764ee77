"""The Vega-Lite specs behind measure charts and maps (citystat/plan/charts.py,
citystat/city/maps.py): what they hold, and that the server can draw them."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
import shapely.geometry
import time_machine
from django.core.cache import cache

from citystat.city.maps import (
    SIMPLIFY_TOLERANCE,
    area_picker,
    choropleth,
    layer_for_breakdown,
    signed_area,
    simplified_features,
)
from citystat.city.models import BoundaryLayer
from citystat.lib.charts import render_svg
from citystat.plan.charts import measure_chart, sparkline
from citystat.plan.models import Measure, MeasureValue
from citystat.public.tests.measure_city import LATEST, build_measure_city


@pytest.fixture
def city(db):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        build_measure_city()
        yield Measure.objects.get(slug="potholes-closed")


def layer(spec: dict[str, Any], mark: str, field: str) -> list[dict[str, Any]]:
    """Return the data of the layer drawing `field` with `mark`."""
    for item in spec["layer"]:
        if item["mark"]["type"] == mark and item["encoding"]["y"]["field"] == field:
            return item["data"]["values"]
    raise AssertionError(f"no {mark} layer of {field}")


def test_the_chart_holds_every_value_and_the_target_in_force_each_period(city):
    spec = measure_chart(city)
    values = layer(spec, "line", "value")
    stored = MeasureValue.objects.filter(measure=city, breakdown="").order_by("period_start")
    assert [v["value"] for v in values] == [v.value for v in stored]
    assert values[-1]["value"] == LATEST
    targets = {row["period_start"]: row["target"] for row in layer(spec, "line", "target")}
    # Fiscal years start in July: June 2026 is FY2026 (80), July 2026 FY2027 (90).
    assert targets["2026-06-01"] == 80
    assert targets["2026-07-01"] == 90
    assert "2025-06-01" not in targets  # no target before FY2026
    band = {
        row["period_start"]: (row["band_low"], row["band_high"])
        for row in layer(spec, "area", "band_low")
    }
    assert band["2026-10-01"] == (87, 93)


def test_the_forecast_continues_from_the_latest_value_along_the_trend(city):
    forecast = layer(measure_chart(city), "line", "forecast")
    assert forecast[0] == {"period_start": "2026-10-01", "forecast": LATEST}
    assert [row["period_start"] for row in forecast[1:3]] == ["2026-11-01", "2026-12-01"]
    assert len(forecast) == 7  # the latest value and six months ahead


def test_a_measure_without_values_gets_a_chart_that_says_so(city):
    spec = measure_chart(Measure.objects.get(slug="lane-miles"))
    assert spec["mark"]["type"] == "text"
    assert spec["data"]["values"] == [{"message": "No data yet"}]
    assert "<svg" in render_svg(spec)


def test_the_breakdown_chart_has_one_line_per_district(city):
    spec = measure_chart(city, breakdown="council_district")
    assert {row["area"] for row in spec["data"]["values"]} == {"1", "2"}
    assert spec["encoding"]["color"]["field"] == "area"


def test_survey_intervals_are_drawn_as_error_bars(city):
    MeasureValue.objects.filter(measure=city, breakdown="", period="2026-10").update(
        ci_lower=80.0, ci_upper=90.0
    )
    spec = measure_chart(city)
    bars = [item for item in spec["layer"] if item["mark"]["type"] == "errorbar"]
    assert bars[0]["data"]["values"] == [{"period_start": "2026-10-01", "low": 80.0, "high": 90.0}]


def test_charts_draw_on_the_server(city):
    svg = render_svg(measure_chart(city))
    assert svg.count("<path") > 3
    assert "<svg" in render_svg(sparkline(city), width=120)


def test_the_sparkline_skips_partial_periods(city):
    MeasureValue.objects.filter(measure=city, breakdown="", period="2026-10").update(
        is_partial=True
    )
    values = sparkline(city)["data"]["values"]
    assert values[-1]["period_start"] == "2026-09-01"


def test_a_choropleth_shades_areas_by_value_and_keeps_only_their_names(city):
    spec = choropleth("council-districts", {"1": 64.0}, title="Closed in 7 days")
    features = spec["data"]["values"]
    assert [f["properties"] for f in features] == [
        {"name": "1", "value": 64.0},
        {"name": "2", "value": None},
    ]
    assert "<svg" in render_svg(spec)


def test_the_area_picker_links_each_area_to_its_page(city):
    spec = area_picker("council-districts")
    urls = [f["properties"]["url"] for f in spec["data"]["values"]]
    assert urls == ["/districts/1/", "/districts/2/"]
    assert spec["encoding"]["href"]["field"] == "properties.url"


def test_breakdown_fields_find_their_boundary_layer(city):
    assert layer_for_breakdown("council_district") == "council-districts"
    assert layer_for_breakdown("department") is None


def jagged_neighbours() -> BoundaryLayer:
    """Two areas of a unit square sharing a wavy border of 200 points.

    Each ring is anticlockwise, so they run along the border in opposite directions, and
    the west one starts part-way up it, as rings in real boundary files do.
    """
    border = [[0.5 + 0.01 * math.sin(i / 200 * 6 * math.pi), i / 200] for i in range(201)]
    west_loop = [*border, [0.0, 1.0], [0.0, 0.0]]
    west = [*west_loop[37:], *west_loop[:38]]
    east = [*border[::-1], [1.0, 0.0], [1.0, 1.0], border[-1]]
    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        for name, ring in (("West", west), ("East", east))
    ]
    return BoundaryLayer(
        name_property="name", geojson={"type": "FeatureCollection", "features": features}
    )


def test_simplifying_drops_points_that_do_not_change_the_shape():
    features = simplified_features(jagged_neighbours(), SIMPLIFY_TOLERANCE)
    west, east = (shapely.geometry.shape(f["geometry"]) for f in features)
    # Most of the 2 × 200 border points are gone; the wave's shape stays.
    assert len(west.exterior.coords) < 80 and len(east.exterior.coords) < 80
    assert west.area == pytest.approx(0.5, abs=0.002) and east.area == pytest.approx(0.5, abs=0.002)


def test_neighbours_simplified_together_leave_no_sliver_or_gap_between_them():
    features = simplified_features(jagged_neighbours(), SIMPLIFY_TOLERANCE)
    west, east = (shapely.geometry.shape(f["geometry"]) for f in features)
    assert west.intersection(east).area == 0
    assert shapely.union_all([west, east]).area == pytest.approx(1.0, abs=1e-9)


def test_rings_are_wound_as_vega_expects(city):
    features = choropleth("council-districts", {}, title="x")["data"]["values"]
    for feature in features:
        exterior = feature["geometry"]["coordinates"][0]
        assert signed_area(exterior) < 0  # clockwise
