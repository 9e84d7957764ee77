import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citystat.city import models
from citystat.city.models import BoundaryLayer, CityProfile, Department
from citystat.city.profile import CityFileError, load_city_file

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"dist_id": "1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-94.6, 39.0], [-94.5, 39.0], [-94.5, 39.1], [-94.6, 39.0]]],
            },
        }
    ],
}


def write_city(tmp_path: Path, text: str) -> Path:
    (tmp_path / "districts.geojson").write_text(json.dumps(SQUARE))
    path = tmp_path / "city.yaml"
    path.write_text(text)
    return path


GOOD = """
name: Kansas City
time_zone: America/Chicago
languages: [en, es]
fiscal_year_start: "05-01"
population: 510000
departments:
  - {code: water, name: Water Services}
boundaries:
  - slug: council-districts
    title: Council districts
    file: districts.geojson
    name_property: dist_id
"""


@pytest.mark.django_db
def test_it_sets_profile_departments_and_boundaries(tmp_path):
    profile = load_city_file(write_city(tmp_path, GOOD))
    assert (profile.name, profile.fiscal_year_start_month, profile.population) == (
        "Kansas City",
        5,
        510000,
    )
    assert Department.objects.get(code="water").name == "Water Services"
    assert BoundaryLayer.objects.get(slug="council-districts").area_names() == ["1"]


@pytest.mark.django_db
def test_a_bad_time_zone_is_named_and_changes_nothing(tmp_path):
    path = write_city(tmp_path, GOOD.replace("America/Chicago", "Mars/Olympus"))
    with pytest.raises(CityFileError, match="'Mars/Olympus' is not a time zone"):
        load_city_file(path)
    assert not CityProfile.objects.exists()


@pytest.mark.django_db
def test_a_boundary_without_the_name_property_names_the_feature(tmp_path):
    path = write_city(tmp_path, GOOD.replace("name_property: dist_id", "name_property: nbhname"))
    with pytest.raises(CityFileError, match=r"boundaries\[0\]: feature 0 .* no 'nbhname'"):
        load_city_file(path)
    assert not Department.objects.exists()


def test_kansas_citys_fiscal_year_starts_on_1_may():
    city = CityProfile(fiscal_year_start_month=5, fiscal_year_start_day=1)
    assert city.fiscal_year_of(dt.date(2024, 4, 30)) == 2024
    assert city.fiscal_year_of(dt.date(2024, 5, 1)) == 2025
    assert city.fiscal_year_bounds(2025) == (dt.date(2024, 5, 1), dt.date(2025, 4, 30))


@given(
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    month=st.integers(1, 12),
    start_day=st.integers(1, 28),
)
def test_every_day_falls_inside_its_own_fiscal_year(day, month, start_day):
    city = CityProfile(fiscal_year_start_month=month, fiscal_year_start_day=start_day)
    first, last = city.fiscal_year_bounds(city.fiscal_year_of(day))
    assert first <= day <= last


PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.mark.django_db
def test_the_logo_named_in_city_yaml_is_served_to_every_page(tmp_path, client):
    (tmp_path / "logo.png").write_bytes(PIXEL_PNG)
    load_city_file(write_city(tmp_path, GOOD + "logo: logo.png\n"))
    response = client.get("/city/logo")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PIXEL_PNG
    assert 'src="/city/logo"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_logo_that_is_not_an_image_is_refused(tmp_path):
    (tmp_path / "logo.exe").write_bytes(b"MZ")
    with pytest.raises(CityFileError, match="PNG, SVG, JPEG or WebP"):
        load_city_file(write_city(tmp_path, GOOD + "logo: logo.exe\n"))


@pytest.mark.django_db
def test_no_logo_is_a_404(client):
    assert client.get("/city/logo").status_code == 404


@pytest.mark.django_db
def test_the_current_profile_is_kept_between_requests_and_forgotten_when_saved(
    django_assert_num_queries,
):
    profile = CityProfile.objects.create(name="Kansas City")
    assert CityProfile.current().name == "Kansas City"
    with django_assert_num_queries(0):
        assert CityProfile.current().name == "Kansas City"
    profile.name = "Kansas City, Missouri"
    profile.save()
    assert CityProfile.current().name == "Kansas City, Missouri"
    profile.delete()
    assert CityProfile.current().pk is None


@pytest.mark.django_db
def test_a_save_on_another_node_is_seen_once_the_kept_profile_expires(monkeypatch):
    CityProfile.objects.create(name="Kansas City")
    assert CityProfile.current().name == "Kansas City"
    # Another node's save: the row changes without this process's signal.
    CityProfile.objects.update(name="KCMO")
    assert CityProfile.current().name == "Kansas City"
    monkeypatch.setattr(models, "PROFILE_TTL_SECONDS", -1.0)  # as if its time were up
    assert CityProfile.current().name == "KCMO"
