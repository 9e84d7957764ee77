"""The public dataset page and list through Django's test client: the explorer's doors."""

from __future__ import annotations

import re

import pytest
from django.utils.html import escape

from citystat.api.soda import four_by_four
from citystat.catalog import exports
from citystat.catalog.models import Dataset
from citystat.city.models import Department


def error_beside(page: str, field_id: str) -> str:
    """Return the text of the error beside the field, as read (without its markup)."""
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', page, re.DOTALL)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_a_refused_filter_shows_sodas_message_beside_it_and_keeps_the_text(
    client, requests_dataset
):
    response = client.get("/datasets/service-requests/", {"where": "days_to_close >> 3"})
    page = response.content.decode()
    assert response.status_code == 400
    assert error_beside(page, "explorer-where").startswith("The API refused this filter: $where:")
    assert 'value="days_to_close &gt;&gt; 3"' in page
    assert "Rows 1–" not in page


def test_the_same_refusal_comes_from_the_soda_endpoint(client, requests_dataset):
    page = client.get("/datasets/service-requests/", {"where": "nope = 1"}).content.decode()
    api = client.get("/resource/service-requests.json", {"$where": "nope = 1"}).json()
    assert error_beside(page, "explorer-where") == f"The API refused this filter: {api['message']}"


def test_a_spanish_reader_gets_the_refusal_framed_in_spanish_and_marked_english(
    client, requests_dataset
):
    response = client.get(
        "/datasets/service-requests/", {"where": "nope = 1"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    page = response.content.decode()
    api = client.get("/resource/service-requests.json", {"$where": "nope = 1"}).json()
    # SoQL's own words stay as the API says them, marked as English, and the reader is
    # told they are the API's.
    assert error_beside(page, "explorer-where") == (
        f"La API rechazó este filtro: {api['message']} (palabras de la propia API, en inglés)"
    )
    assert f'<span lang="en">{escape(api["message"])}</span>' in page
    english = client.get("/datasets/service-requests/", {"where": "nope = 1"}).content.decode()
    assert "in English" not in error_beside(english, "explorer-where")


def test_htmx_gets_the_explorer_alone_with_its_error(client, requests_dataset):
    response = client.get(
        "/datasets/service-requests/", {"where": "nope = 1"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="explorer"')
    assert "no such column: nope" in page and "<html" not in page


def test_sorting_and_paging_links_keep_the_filter(client, requests_dataset):
    page = client.get(
        "/datasets/service-requests/", {"where": "status = 'OPEN'", "order": "case_id"}
    ).content.decode()
    assert "Rows 1–25 of 97" in page and "Page 1 of 4" in page
    assert (
        'href="?where=status+%3D+%27OPEN%27&amp;order=case_id&amp;direction=desc&amp;page=2' in page
    )
    assert 'aria-sort="descending"' in page


def test_withheld_columns_never_reach_the_page(client, requests_dataset):
    for query in ({}, {"chart": "status"}, {"q": "St"}, {"order": "case_id", "page": "3"}):
        page = client.get("/datasets/service-requests/", query).content.decode()
        assert "4900 E 63rd St" not in page
        assert (
            '<th scope="col"' in page and ">Street address<" not in page.split("Data dictionary")[0]
        )


def test_every_download_format_has_a_button(client, requests_dataset):
    page = client.get("/datasets/service-requests/").content.decode()
    for extension in exports.formats_for(requests_dataset):
        assert f'href="/downloads/service-requests.{extension}" download' in page
    assert set(exports.formats_for(requests_dataset)) == {"csv", "json", "parquet", "geojson"}


def test_the_api_section_names_the_endpoint_and_examples(client, requests_dataset, settings):
    settings.CITYSTAT_SITE_URL = "https://data.example.gov"
    page = client.get("/datasets/service-requests/").content.decode()
    identifier = four_by_four("service-requests")
    assert f"https://data.example.gov/resource/{identifier}.json" in page
    assert "from sodapy import Socrata" in page and "curl --get" in page
    assert page.count('class="button button--secondary copy-button"') == 3


@pytest.fixture
def catalogue(requests_dataset):
    water = Department.objects.create(code="water", name="Water Services")
    Dataset.objects.create(
        slug="water-mains",
        title="Water main breaks",
        description="Each break of a city water main.",
        department=water,
        tags=["water", "infrastructure"],
        is_public=True,
        table_schema={"fields": [{"name": "break_id", "type": "integer"}]},
    )
    requests_dataset.tags = ["311"]
    requests_dataset.save()
    return water


def titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="card__title"><a href="[^"]*">([^<]*)</a>', page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["311 service requests", "Water main breaks"]),
        ({"q": "main BREAK"}, ["Water main breaks"]),
        ({"q": "neighborhood"}, ["311 service requests"]),
        ({"department": "water"}, ["Water main breaks"]),
        ({"tag": "311"}, ["311 service requests"]),
        ({"tag": "water", "q": "311"}, []),
    ],
)
def test_the_list_is_searched_and_filtered(client, catalogue, query, expected):
    response = client.get("/datasets/", query)
    assert response.status_code == 200
    assert titles(response.content.decode()) == expected


def test_an_unknown_department_is_refused_by_name(client, catalogue):
    response = client.get("/datasets/", {"department": "parks"})
    page = response.content.decode()
    assert response.status_code == 400
    assert error_beside(page, "catalog-department") == "No public dataset belongs to parks."
    assert titles(page) == []
