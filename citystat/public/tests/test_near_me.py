"""Near me: the map tap, the location and the address all end in the server's lookup."""

from __future__ import annotations

import re

import pytest

from citystat.catalog.models import Dataset
from citystat.catalog.places_data import address_datasets, find_address
from citystat.public.tests.near_city import WITHHELD_ADDRESS, build_near_city


@pytest.fixture
def city(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    build_near_city(tmp_path / "files")


def answer(page: str) -> list[str]:
    return re.findall(r"<li>[^<:]*: <a href=\"[^\"]*\">([^<]*)</a></li>", page)


def test_a_tapped_point_names_its_neighborhood_and_district(client, city):
    response = client.get("/near-me/", {"lat": "39.01", "lon": "-94.57", "how": "map"})
    page = response.content.decode()
    assert response.status_code == 200
    assert answer(page) == ["Riverside", "District 4"]
    assert 'href="/neighborhoods/riverside/"' in page and 'href="/districts/4/"' in page
    assert "The place you chose is in" in page


def test_a_shared_location_says_so(client, city):
    page = client.get("/near-me/", {"lat": "39.01", "lon": "-94.59", "how": "location"})
    assert "Where you are now is in" in page.content.decode()
    assert answer(page.content.decode()) == ["Hilltop", "District 4"]


def test_an_address_in_the_address_dataset_is_found(client, city):
    page = client.get("/near-me/", {"address": "  100   MAIN st. "}).content.decode()
    assert answer(page) == ["Hilltop", "District 4"]
    assert "“100 main st” is in" in page and "Address points" in page


def test_the_address_point_is_the_mean_of_its_geocodes(city):
    match = find_address("100 Main St")
    assert match is not None and match.rows == 2
    assert match.latitude == pytest.approx(39.011) and match.longitude == pytest.approx(-94.591)


def test_an_address_that_matches_nothing_says_so_and_offers_the_map(client, city):
    response = client.get("/near-me/", {"address": "9 Nowhere Blvd"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "No address “9 Nowhere Blvd” was found in the city&#x27;s data." in page
    assert 'href="#near-me-map"' in page and 'id="near-me-map"' in page
    assert 'value="9 Nowhere Blvd"' in page
    assert answer(page) == []


def test_a_withheld_address_column_is_never_searched(client, city):
    assert [d.slug for d in address_datasets()] == ["addresses"]
    page = client.get("/near-me/", {"address": WITHHELD_ADDRESS}).content.decode()
    assert "was found in the city" in page and answer(page) == []


def test_an_address_outside_the_city_is_told_apart(client, city):
    response = client.get("/near-me/", {"address": "1 Faraway Ln"})
    assert response.status_code == 400
    assert "outside every neighborhood and council district" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"lat": "39.01", "lon": "east"}, "The longitude “east” is not a number"),
        ({"lat": "95", "lon": "-94.57"}, "The latitude 95 is not between -90 and 90."),
        ({"lat": "45.0", "lon": "-94.57"}, "That point is outside every neighborhood"),
        ({"address": ""}, "Type a street address"),
        ({"address": "x" * 201}, "An address is at most 200 characters."),
    ],
)
def test_bad_input_is_refused_by_name(client, city, query, message):
    response = client.get("/near-me/", query)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")


def test_without_an_address_dataset_the_address_box_is_not_offered(client, city):
    Dataset.objects.filter(slug="addresses").update(is_public=False)
    page = client.get("/near-me/").content.decode()
    assert 'name="address"' not in page
    assert 'id="near-me-map"' in page


def test_the_map_links_every_area_and_carries_its_projection(client, city):
    page = client.get("/near-me/").content.decode()
    svg = page[page.index('<svg class="svg-map__svg"') : page.index("</svg>")]
    assert svg.count("<a href=") == 2
    assert 'aria-label="Hilltop"' in svg and 'aria-label="Riverside"' in svg
    assert "data-west=" in svg and "data-y-scale=" in svg
    assert "private" not in page  # the boundary file's other properties stay out


def test_a_neighborhood_page_maps_its_own_points_only(client, city):
    page = client.get("/neighborhoods/hilltop/").content.decode()
    section = page[page.index('id="place-map-title"') :]
    svg = section[: section.index("</svg>")]
    assert svg.count('class="svg-map__point svg-map__point--0"') == 10
    assert "311 service requests, " in svg
    assert WITHHELD_ADDRESS not in page
    # The address list has no dates: its rows are not "recent" and are not drawn.
    assert svg.count("svg-map__point--1") == 0


def test_a_district_page_maps_the_points_of_all_its_neighborhoods(client, city):
    page = client.get("/districts/4/").content.decode()
    section = page[page.index('id="place-map-title"') :]
    svg = section[: section.index("</svg>")]
    assert svg.count('class="svg-map__point svg-map__point--0"') == 12
