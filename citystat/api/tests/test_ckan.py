"""The CKAN Action API subset, with `ckanapi.RemoteCKAN` as the client."""

import json

import pytest
from ckanapi import NotFound, RemoteCKAN

from citystat.catalog.models import Dataset
from citystat.city.models import Department


@pytest.fixture
def catalog(transactional_db):
    water = Department.objects.create(code="water", name="Water Services")
    works = Department.objects.create(code="public-works", name="Public Works")
    for slug, title, department, tags in [
        ("water-main-breaks", "Water main breaks", water, ["water"]),
        ("potholes", "Pothole repairs", works, ["streets"]),
        ("street-sweeping", "Street sweeping routes", works, ["streets"]),
    ]:
        Dataset.objects.create(
            slug=slug, title=title, department=department, tags=tags, is_public=True,
            table_schema={"fields": [{"name": "id", "type": "integer"}]},
        )  # fmt: skip
    Dataset.objects.create(slug="hr-cases", title="HR cases", table_schema={}, is_public=False)


@pytest.fixture
def ckan(live_server, catalog):
    with RemoteCKAN(live_server.url, user_agent="citystat-tests") as remote:
        yield remote


def test_package_list_names_only_public_datasets(ckan):
    assert ckan.action.package_list() == ["potholes", "street-sweeping", "water-main-breaks"]


def test_package_search_with_q_fq_rows_and_sort(ckan):
    found = ckan.action.package_search(q="street", fq="organization:public-works", sort="name desc")
    assert found["count"] == 1
    assert found["results"][0]["name"] == "street-sweeping"
    page = ckan.action.package_search(rows=2, start=2, sort="name asc")
    assert [p["name"] for p in page["results"]] == ["water-main-breaks"]


def test_package_show_has_resources_and_organization(ckan):
    package = ckan.action.package_show(id="water-main-breaks")
    assert package["organization"]["title"] == "Water Services"
    assert {r["format"] for r in package["resources"]} == {"CSV", "JSON", "Parquet"}


def test_a_private_dataset_is_not_found(ckan):
    with pytest.raises(NotFound):
        ckan.action.package_show(id="hr-cases")


def test_organization_list_and_status_show(ckan):
    assert sorted(ckan.action.organization_list()) == ["public-works", "water"]
    assert ckan.action.status_show()["ckan_version"].startswith("2.")


def test_get_without_the_3_prefix_works_too(client, catalog):
    body = json.loads(client.get("/api/action/package_list").content)
    assert body["success"] is True and len(body["result"]) == 3


def test_a_bad_parameter_is_ckans_error_shape(client, catalog):
    response = client.get("/api/3/action/package_search?rows=lots")
    body = json.loads(response.content)
    assert response.status_code == 409
    assert body["success"] is False and "rows" in body["error"]["message"]


def test_an_unknown_action_is_not_found(client, catalog):
    assert client.get("/api/3/action/package_delete").status_code == 404
