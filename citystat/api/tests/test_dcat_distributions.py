"""`/data.json` as a harvester reads it: every distribution a whole, correct file.

Checked against the official DCAT-US non-federal schema, with each download fetched
and counted, and the data package run through `frictionless validate` over HTTP.
"""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from citystat.api.tests.test_dcat import validator
from citystat.catalog.exports import build_exports
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department

SITE = "https://data.example-city.gov"


@pytest.fixture
def published(requests_dataset, settings):
    settings.CITYSTAT_SITE_URL = SITE
    settings.CITYSTAT_API_RATE_ANON = "10000/minute"
    works = Department.objects.create(code="public-works", name="Public Works")
    Dataset.objects.filter(pk=requests_dataset.pk).update(
        department=works, contact_email="311data@example-city.gov", tags=["311"]
    )
    build_exports()
    return requests_dataset


def catalog_of(client, **headers) -> dict[str, Any]:
    return json.loads(client.get("/data.json", **headers).content)


def test_data_json_with_every_distribution_is_valid_dcat_us(client, published):
    catalog = catalog_of(client)
    assert sorted(validator().iter_errors(catalog), key=str) == []
    (entry,) = catalog["dataset"]
    assert entry["contactPoint"]["hasEmail"] == "mailto:311data@example-city.gov"
    formats = [(d["format"], d["mediaType"]) for d in entry["distribution"]]
    assert formats == [
        ("CSV", "text/csv"),
        ("JSON", "application/json"),
        ("Parquet", "application/vnd.apache.parquet"),
        ("GeoJSON", "application/geo+json"),
        ("Data Package", "application/json"),
    ]
    package = f"{SITE}/downloads/service-requests/datapackage.json"
    for distribution in entry["distribution"][:-1]:
        assert distribution["describedBy"] == package
        assert distribution["title"]
    assert entry["distribution"][-1]["downloadURL"] == package
    assert entry["license"] == "https://opendatacommons.org/licenses/pddl/"


def test_geojson_is_listed_only_for_a_dataset_with_points(client, published):
    fields = [f for f in published.table_schema["fields"] if f["name"] != "latitude"]
    Dataset.objects.filter(pk=published.pk).update(table_schema={"fields": fields})
    (entry,) = catalog_of(client)["dataset"]
    formats = [d["format"] for d in entry["distribution"]]
    assert formats == ["CSV", "JSON", "Parquet", "Data Package"]


def test_every_download_is_the_whole_dataset_never_a_capped_query(client, published):
    (entry,) = catalog_of(client)["dataset"]
    csv_url = entry["distribution"][0]["downloadURL"]
    assert "$limit" not in json.dumps(entry) and "/resource/" not in csv_url
    response = client.get(csv_url.removeprefix(SITE))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == published.latest_version.row_count == 200


def test_links_come_from_the_site_url_never_the_host_header(client, published, settings):
    settings.ALLOWED_HOSTS = ["*"]
    text = json.dumps(catalog_of(client, HTTP_HOST="evil.example"))
    assert "evil.example" not in text
    catalog = json.loads(text)
    assert catalog["@id"] == f"{SITE}/data.json"
    assert catalog["dataset"][0]["identifier"] == f"{SITE}/datasets/service-requests/"
    package = client.get("/downloads/service-requests/datapackage.json", HTTP_HOST="evil.example")
    assert "evil.example" not in package.content.decode()


def test_the_data_package_has_a_profile_and_an_spdx_license(client, published):
    package = json.loads(client.get("/downloads/service-requests/datapackage.json").content)
    assert package["profile"] == "tabular-data-package"
    assert package["resources"][0]["profile"] == "tabular-data-resource"
    assert package["licenses"] == [
        {
            "name": "PDDL-1.0",
            "path": "https://opendatacommons.org/licenses/pddl/",
            "title": "Open Data Commons PDDL",
        }
    ]


def test_an_unrecognised_license_gets_no_made_up_id(client, published):
    CityProfile.objects.update_or_create(
        pk=CityProfile.current().pk or 1,
        defaults={"data_license": "City of X data terms", "data_license_url": f"{SITE}/terms"},
    )
    package = json.loads(client.get("/downloads/service-requests/datapackage.json").content)
    assert package["licenses"] == [{"path": f"{SITE}/terms", "title": "City of X data terms"}]


@pytest.mark.django_db(transaction=True)
def test_a_data_json_harvest_fetches_whole_files_and_a_valid_data_package(
    live_server, requests_dataset, settings, tmp_path
):
    """Replay a DCAT-US harvest (data.gov's datajson harvester): read the catalog, check
    it against the schema, then fetch each distribution's downloadURL."""
    settings.CITYSTAT_SITE_URL = live_server.url
    settings.CITYSTAT_API_RATE_ANON = "10000/minute"
    build_exports()
    catalog = requests.get(f"{live_server.url}/data.json", timeout=30).json()
    assert sorted(validator().iter_errors(catalog), key=str) == []
    (entry,) = catalog["dataset"]
    sizes = {}
    for distribution in entry["distribution"]:
        response = requests.get(distribution["downloadURL"], timeout=30)
        assert response.status_code == 200, distribution["downloadURL"]
        assert response.headers["Content-Type"].startswith(distribution["mediaType"])
        sizes[distribution["format"]] = response.content
    assert len(json.loads(sizes["JSON"])) == 200
    assert len(json.loads(sizes["GeoJSON"])["features"]) == 200
    (tmp_path / "datapackage.json").write_bytes(sizes["Data Package"])
    result = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
         "datapackage.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["tasks"][0]["errors"][:3], indent=1)
    assert report["tasks"][0]["stats"]["rows"] == 200
