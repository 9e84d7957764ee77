"""The DCAT-US 1.1 catalog (`/data.json`) that data.gov and CKAN harvesters read.

Every distribution is a whole file: the download the background job writes for the
published version (catalog/exports.py) in each format the dataset offers, and its data
package. None is a SODA URL, whose `$limit` would cut a large dataset short (#18). Every
URL and identifier is built from CITYSTAT_SITE_URL (citystat/api/links.py), so a forged
`Host` header cannot change what a harvester stores.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from citystat.api.licenses import dataset_license
from citystat.api.links import site_reverse, site_url
from citystat.api.soda import four_by_four
from citystat.catalog import exports
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
FORMAT_LABELS = {"csv": "CSV", "json": "JSON", "parquet": "Parquet", "geojson": "GeoJSON"}
DATA_PACKAGE_SPEC = "https://specs.frictionlessdata.io/data-package/"


def media_type(extension: str) -> str:
    """Return the download's media type without parameters (DCAT-US's pattern has none)."""
    return exports.CONTENT_TYPES[extension].split(";", 1)[0]


def data_catalog(request: HttpRequest) -> dict[str, Any]:
    """Return the catalog of every public dataset, with links under CITYSTAT_SITE_URL."""
    city = CityProfile.current()
    datasets = Dataset.objects.filter(is_public=True).select_related("department")
    return {
        "@context": f"{SCHEMA_BASE}/catalog.jsonld",
        "@id": site_reverse("data-json"),
        "@type": "dcat:Catalog",
        "conformsTo": SCHEMA_BASE,
        "describedBy": f"{SCHEMA_BASE}/catalog.json",
        "dataset": [dataset_entry(dataset, city) for dataset in datasets],
    }


def distributions(dataset: Dataset) -> list[dict[str, Any]]:
    """Return one distribution per whole-file download, then the data package."""
    package = site_reverse("datapackage", dataset.slug)
    entries = [
        {
            "@type": "dcat:Distribution",
            "downloadURL": site_reverse("download", dataset.slug, extension),
            "mediaType": media_type(extension),
            "format": FORMAT_LABELS[extension],
            "title": f"{dataset.title} ({FORMAT_LABELS[extension]})",
            # The data package holds the Table Schema: names, types and descriptions.
            "describedBy": package,
            "describedByType": "application/json",
        }
        for extension in exports.formats_for(dataset)
    ]
    entries.append(
        {
            "@type": "dcat:Distribution",
            "downloadURL": package,
            "mediaType": "application/json",
            "format": "Data Package",
            "title": f"{dataset.title} (Frictionless Data Package)",
            "conformsTo": DATA_PACKAGE_SPEC,
        }
    )
    return entries


def dataset_entry(dataset: Dataset, city: CityProfile) -> dict[str, Any]:
    page = site_reverse("dataset", dataset.slug)
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
        "describedBy": site_url(f"/api/views/{identifier}.json"),
        "describedByType": "application/json",
    }
    # Without a published version there is no file to download yet: listing its URLs
    # would hand the harvester links that answer 404.
    if version is not None:
        entry["distribution"] = distributions(dataset)
    license = dataset_license(dataset.license, city.data_license, city.data_license_url)
    if license.url:
        entry["license"] = license.url
    return entry
