"""Whole-dataset downloads: serve the files `citystat exports` built, or say when they come.

The files themselves are written by a background job once per published version
(citystat/catalog/exports.py), never inside a web request: building a GeoJSON of two
million rows takes longer than a request may (#16, High 3).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from citystat.api.licenses import dataset_license
from citystat.api.soda import four_by_four
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile

# How long a client is asked to wait for a file the worker has not written yet: about
# one round of `citystat refresh --loop` (docs/operations.md).
RETRY_AFTER_SECONDS = 60


def export_pending(dataset: Dataset, version: DatasetVersion, extension: str) -> HttpResponse:
    """Answer 202 with Retry-After: the file is queued for the background job."""
    response = HttpResponse(
        f"The {extension.upper()} download of {dataset.slug!r} version {version.number} "
        f"is being prepared by the background job; try again in {RETRY_AFTER_SECONDS} "
        "seconds.\n",
        status=202,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def data_package(dataset: Dataset, csv_url: str) -> dict[str, Any]:
    """Return a Frictionless Data Package describing the dataset's CSV download.

    `csv_url` is absolute under CITYSTAT_SITE_URL: harvesters keep it.
    """
    city = CityProfile.current()
    fields = [
        {key: value for key, value in spec.items() if key not in ("public",)}
        for spec in dataset.public_fields
    ]
    for spec in fields:
        # The CSV is written by DuckDB in ISO formats, whatever the source file used.
        if spec.get("type") in ("date", "datetime", "time"):
            spec["format"] = "default"
        if spec.get("type") == "boolean":
            spec.pop("trueValues", None)
            spec.pop("falseValues", None)
    schema: dict[str, Any] = {"fields": fields}
    if dataset.table_schema.get("primaryKey"):
        schema["primaryKey"] = dataset.table_schema["primaryKey"]
    package: dict[str, Any] = {
        # The profiles tell a reader the resource is a CSV with a Table Schema.
        "profile": "tabular-data-package",
        "name": dataset.slug,
        "id": four_by_four(dataset.slug),
        "title": dataset.title,
        "description": dataset.description,
        "keywords": list(dataset.tags),
        "resources": [
            {
                "name": dataset.slug,
                "profile": "tabular-data-resource",
                "path": csv_url,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        ],
    }
    license = dataset_license(dataset.license, city.data_license, city.data_license_url)
    entry: dict[str, str] = {"title": license.title}
    # `name` must be an SPDX-style id: only a recognised license gets one, never a guess.
    if license.known is not None:
        entry["name"] = license.known.spdx
    if license.url:
        entry["path"] = license.url
    if len(entry) > 1:
        package["licenses"] = [entry]
    return package
