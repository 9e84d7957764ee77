import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from citystat.catalog.models import Dataset
from citystat.city.models import Department

SCHEMAS = Path(__file__).parent / "fixtures" / "dcat-us"
BASE = "https://project-open-data.cio.gov/v1.1/schema/"


def validator() -> Draft4Validator:
    """The non-federal catalog schema with its files registered under their official ids."""
    resources = []
    for name in ("catalog.json", "dataset-non-federal.json"):
        contents = json.loads((SCHEMAS / name).read_text())
        resources.append((BASE + name, DRAFT4.create_resource(contents)))
    registry = Registry().with_resources(resources)
    catalog = json.loads((SCHEMAS / "catalog.json").read_text())
    return Draft4Validator(catalog, registry=registry)


@pytest.fixture
def datasets(db):
    water = Department.objects.create(code="water", name="Water Services")
    Dataset.objects.create(
        slug="water-main-breaks",
        title="Water main breaks",
        description="Every reported break.",
        department=water,
        contact_email="data@kcwater.example.gov",
        update_frequency="daily",
        tags=["water"],
        table_schema={"fields": [{"name": "id", "type": "integer"}]},
        is_public=True,
    )
    Dataset.objects.create(
        slug="internal-notes", title="Internal", table_schema={"fields": []}, is_public=False
    )


def test_data_json_is_valid_dcat_us_non_federal(client, datasets):
    catalog = json.loads(client.get("/data.json").content)
    errors = sorted(validator().iter_errors(catalog), key=str)
    assert errors == []


def test_only_public_datasets_are_listed(client, datasets):
    catalog = json.loads(client.get("/data.json").content)
    (entry,) = catalog["dataset"]
    assert entry["title"] == "Water main breaks"
    assert entry["accrualPeriodicity"] == "R/P1D"
    assert entry["contactPoint"]["hasEmail"] == "mailto:data@kcwater.example.gov"
    # Nothing published yet: no download link that would answer 404.
    assert "distribution" not in entry


def test_the_validator_catches_a_broken_catalog():
    assert list(validator().iter_errors({"dataset": [{"title": "x"}]}))
    distribution = {"@type": "dcat:Distribution", "downloadURL": "https://x/y", "mediaType": "csv"}
    broken = {**VALID_ENTRY, "distribution": [distribution]}
    assert list(validator().iter_errors({**CATALOG_HEAD, "dataset": [broken]}))


CATALOG_HEAD = {
    "@context": BASE + "catalog.jsonld", "@type": "dcat:Catalog", "conformsTo": BASE[:-1],
    "dataset": [],
}  # fmt: skip
VALID_ENTRY = {
    "title": "t", "description": "d", "keyword": ["k"], "modified": "2020-01-01",
    "publisher": {"@type": "org:Organization", "name": "City"},
    "contactPoint": {"@type": "vcard:Contact", "fn": "Someone", "hasEmail": "mailto:a@b.gov"},
    "identifier": "https://x/1", "accessLevel": "public",
}  # fmt: skip


def test_the_minimal_valid_entry_is_valid():
    # So the broken distribution above fails for its media type, not for the entry.
    assert list(validator().iter_errors({**CATALOG_HEAD, "dataset": [VALID_ENTRY]})) == []
