"""Boundary layers as cities publish them: ids beside names, empty names told from missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from citystat.city.models import BoundaryLayer
from citystat.city.places import place_for_value, places
from citystat.city.profile import CityFileError, load_city_file

CITY = """
name: Riverton
time_zone: America/Denver
boundaries:
  - slug: neighborhoods
    title: Neighborhoods
    file: hoods.geojson
    name_property: hood_name
    id_property: hood_no
"""


def square(x: float) -> dict[str, Any]:
    ring = [[x, 40.0], [x, 40.01], [x + 0.01, 40.01], [x + 0.01, 40.0], [x, 40.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_city(tmp_path: Path, properties: list[dict[str, Any]]) -> Path:
    features = [
        {"type": "Feature", "properties": props, "geometry": square(-105 + index / 50)}
        for index, props in enumerate(properties)
    ]
    (tmp_path / "hoods.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    path = tmp_path / "city.yaml"
    path.write_text(CITY, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_layer_keeps_each_areas_id_and_a_value_finds_its_place_by_name_or_id(tmp_path):
    load_city_file(
        write_city(
            tmp_path,
            [{"hood_name": "Old Mill", "hood_no": 12}, {"hood_name": "Elm Park", "hood_no": 7}],
        )
    )
    layer = BoundaryLayer.objects.get(slug="neighborhoods")
    assert layer.id_property == "hood_no"
    assert layer.area_ids() == {"Old Mill": "12", "Elm Park": "7"}
    assert [(p.name, p.area_id) for p in places("neighborhood")] == [
        ("Elm Park", "7"),
        ("Old Mill", "12"),
    ]
    assert place_for_value("neighborhood", "12").name == "Old Mill"
    assert place_for_value("neighborhood", "Elm Park").area_id == "7"
    assert place_for_value("neighborhood", "(not recorded)") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"hood_name": "", "hood_no": 1},
            "feature 1 in .* has an empty 'hood_name': the property is there but its value is "
            "blank",
        ),
        ({"hood_name": "   ", "hood_no": 1}, "feature 1 in .* has an empty 'hood_name'"),
        ({"hood_no": 1}, "feature 1 in .* has no 'hood_name' property"),
        ({"hood_name": "Elm Park", "hood_no": None}, "feature 1 in .* has no 'hood_no' property"),
        (
            {"hood_name": "Elm Park", "hood_no": 12},
            "features 0 and 1 in .* have the same 'hood_no'",
        ),
    ],
)
def test_a_bad_feature_is_named_empty_or_missing_and_nothing_is_saved(
    tmp_path, properties, message
):
    path = write_city(tmp_path, [{"hood_name": "Old Mill", "hood_no": 12}, properties])
    with pytest.raises(CityFileError, match=message):
        load_city_file(path)
    assert not BoundaryLayer.objects.exists()
