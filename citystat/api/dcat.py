"""The DCAT-US 1.1 catalog (`/data.json`) that data.gov and CKAN harvesters read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from citystat.api.soda import four_by_four
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile

SCHEMA_BASE = "https://project-open-data.cio.gov/v1.1/schema"
# ISO 8601 repeating durations, as DCAT-US's accrualPeriodicity wants them.
PERIODICITY = {
    "daily": "R/P1D",
    "weekly": "R/P1W",
    "monthly": "R/P1M",
    "quarterly": "R/P3M",
    "yearly": "R/P1Y",
    "as_needed": "irregular",
}
DISTRIBUTIONS = [
    ("csv", "text/csv", "CSV"),
    ("json", "application/json", "JSON"),
]


def data_catalog(request: HttpRequest) -> dict[str, Any]:
    """Return the catalog of every public dataset, with absolute URLs for `request`'s host."""
    city = CityProfile.current()
    datasets = Dataset.objects.filter(is_public=True).select_related("department")
    return {
        "@context": f"{SCHEMA_BASE}/catalog.jsonld",
        "@id": request.build_absolute_uri("/data.json"),
        "@type": "dcat:Catalog",
        "conformsTo": SCHEMA_BASE,
        "describedBy": f"{SCHEMA_BASE}/catalog.json",
        "dataset": [dataset_entry(request, dataset, city) for dataset in datasets],
    }


def dataset_entry(request: HttpRequest, dataset: Dataset, city: CityProfile) -> dict[str, Any]:
    page = request.build_absolute_uri(reverse("dataset", args=[dataset.slug]))
    identifier = four_by_four(dataset.slug)
    contact: dict[str, Any] = {
        "@type": "vcard:Contact",
        "fn": dataset.department.name if dataset.department else city.name,
    }
    if dataset.contact_email:
        contact["hasEmail"] = f"mailto:{dataset.contact_email}"
    publisher: dict[str, Any] = {"@type": "org:Organization", "name": city.name}
    if dataset.department:
        publisher = {
            "@type": "org:Organization",
            "name": dataset.department.name,
            "subOrganizationOf": publisher,
        }
    version = dataset.latest_version
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "keyword": list(dataset.tags) or [dataset.title],
        "modified": ((version and version.finished_at) or dataset.updated_at).date().isoformat(),
        "publisher": publisher,
        "contactPoint": contact,
        "identifier": page,
        "accessLevel": "public",
        "landingPage": page,
        "accrualPeriodicity": PERIODICITY.get(dataset.update_frequency, "irregular"),
        "describedBy": request.build_absolute_uri(f"/api/views/{identifier}.json"),
        "describedByType": "application/json",
        "distribution": [
            {
                "@type": "dcat:Distribution",
                "downloadURL": request.build_absolute_uri(
                    f"/resource/{identifier}.{extension}?$limit=50000"
                ),
                "mediaType": media_type,
                "format": label,
                "title": f"{dataset.title} ({label})",
            }
            for extension, media_type, label in DISTRIBUTIONS
        ],
    }
    if city.data_license_url:
        entry["license"] = city.data_license_url
    return entry
