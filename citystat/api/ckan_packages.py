"""CKAN 2.10's package, resource, organization and group dictionaries for public datasets.

Packages are public datasets, resources their whole-file downloads (catalog/exports.py),
organizations the departments that own public datasets and groups the current plan's
priority areas whose measures read the dataset. Dictionaries carry the keys CKAN 2.10
returns, since a harvester's import reads them (`owner_org`, `groups`, `extras`,
`metadata_modified`, resource `url` …). Every link is under CITYSTAT_SITE_URL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from citystat.api.ckan_parameters import ActionError
from citystat.api.dcat import FORMAT_LABELS, media_type
from citystat.api.licenses import dataset_license
from citystat.api.links import site_reverse, site_url
from citystat.api.soda import four_by_four
from citystat.catalog import exports
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile, Department
from citystat.plan.models import Measure, PriorityArea


def naive_utc(moment: dt.datetime) -> str:
    """Write a time as CKAN does: UTC, no offset, microseconds (`2024-05-01T10:00:00.123456`)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass
class Catalog:
    """What every package dictionary needs, read in a few queries for the whole catalog."""

    city: CityProfile
    datasets: list[Dataset]
    versions: dict[int, DatasetVersion]
    groups: dict[int, list[PriorityArea]] = field(default_factory=dict)

    @classmethod
    def load(cls, datasets: Iterable[Dataset] | None = None) -> Catalog:
        if datasets is None:
            datasets = Dataset.objects.filter(is_public=True).select_related("department")
        chosen = list(datasets)
        ids = [dataset.pk for dataset in chosen]
        versions = {
            version.dataset_id: version
            for version in DatasetVersion.objects.filter(
                dataset_id__in=ids, status=DatasetVersion.Status.PUBLISHED
            )
        }
        return cls(CityProfile.current(), chosen, versions, memberships(ids))

    def modified(self, dataset: Dataset) -> dt.datetime:
        """When the metadata or the published data last changed, whichever is later."""
        version = self.versions.get(dataset.pk)
        published = version and (version.published_at or version.finished_at)
        return max(dataset.updated_at, published) if published else dataset.updated_at


def memberships(dataset_ids: list[int]) -> dict[int, list[PriorityArea]]:
    """Return the current plan's priority areas whose measures read each dataset."""
    areas = {area.pk: area for area in PriorityArea.objects.filter(plan__is_current=True)}
    pairs = (
        Measure.objects.filter(dataset_id__in=dataset_ids, objective__goal__priority_area__in=areas)
        .values_list("dataset_id", "objective__goal__priority_area_id")
        .distinct()
    )
    groups: dict[int, list[PriorityArea]] = defaultdict(list)
    for dataset_id, area_id in sorted(pairs, key=lambda pair: areas[pair[1]].position):
        if areas[area_id] not in groups[dataset_id]:
            groups[dataset_id].append(areas[area_id])
    return groups


def organization(department: Department, package_count: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": department.code,
        "name": department.code,
        "title": department.name,
        "display_name": department.name,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }
    if package_count is not None:
        entry["package_count"] = package_count
    return entry


def group(area: PriorityArea, package_count: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": area.slug,
        "name": area.slug,
        "title": area.title,
        "display_name": area.title,
        "description": area.summary,
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
    }
    if package_count is not None:
        entry["package_count"] = package_count
    return entry


def resources(dataset: Dataset, version: DatasetVersion | None) -> list[dict[str, Any]]:
    """Return one resource per whole-file download of the published version."""
    if version is None:
        # Nothing published: a download link would answer 404.
        return []
    identifier = four_by_four(dataset.slug)
    published = naive_utc(version.published_at or version.finished_at or version.started_at)
    queryable = bool(dataset.public_fields)
    entries = []
    for position, extension in enumerate(exports.formats_for(dataset)):
        path = exports.export_file(dataset.slug, version.number, extension)
        label = FORMAT_LABELS[extension]
        entries.append(
            {
                "id": f"{identifier}-{extension}",
                "package_id": identifier,
                "name": f"{dataset.title} ({label})",
                "description": f"Every row of version {version.number}, as {label}.",
                "format": label,
                "mimetype": media_type(extension),
                "mimetype_inner": None,
                "url": site_reverse("download", dataset.slug, extension),
                "url_type": None,
                # Unknown until the background job has written the file.
                "size": path.stat().st_size if path.is_file() else None,
                "hash": "",
                "created": published,
                "last_modified": published,
                "metadata_modified": published,
                "datastore_active": queryable,
                "position": position,
                "resource_type": None,
                "cache_url": None,
                "cache_last_updated": None,
                "state": "active",
            }
        )
    return entries


def summary(catalog: Catalog, dataset: Dataset) -> dict[str, Any]:
    """Return what package_search filters, sorts and counts facets by: cheap to build for
    every dataset, where the whole package is built only for the page answered."""
    version = catalog.versions.get(dataset.pk)
    city = catalog.city
    license = dataset_license(dataset.license, city.data_license, city.data_license_url)
    department = dataset.department
    return {
        "id": four_by_four(dataset.slug),
        "name": dataset.slug,
        "title": dataset.title,
        "license_id": license.known.ckan_id if license.known else None,
        "license_title": license.known.title if license.known else license.title,
        "license_url": license.url or None,
        # Open only when recognised: every license citystat recognises is an open one.
        "isopen": license.known is not None,
        "metadata_created": naive_utc(dataset.created_at),
        "metadata_modified": naive_utc(catalog.modified(dataset)),
        "owner_org": department.code if department else None,
        "organization": organization(department) if department else None,
        "groups": [group(area) for area in catalog.groups.get(dataset.pk, [])],
        "tags": [
            {"id": tag, "name": tag, "display_name": tag, "state": "active", "vocabulary_id": None}
            for tag in dataset.tags
        ],
        # Not a CKAN key: the resources' formats, which `package` replaces by resources.
        "formats": [FORMAT_LABELS[e] for e in exports.formats_for(dataset)] if version else [],
    }


def package(
    catalog: Catalog, dataset: Dataset, brief: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return a public dataset as CKAN 2.10's package_show dictionary."""
    entry = dict(brief or summary(catalog, dataset))
    del entry["formats"]
    version = catalog.versions.get(dataset.pk)
    identifier = entry["id"]
    city = catalog.city
    department = dataset.department
    files = resources(dataset, version)
    extras = {
        "identifier": identifier,
        "update_frequency": dataset.update_frequency,
        "data_dictionary": site_reverse("datapackage", dataset.slug),
        "soda_endpoint": site_url(f"/resource/{identifier}.json"),
    }
    if version is not None:
        extras["row_count"] = str(version.row_count)
    entry.update(
        {
            "notes": dataset.description,
            "url": site_reverse("dataset", dataset.slug),
            "version": str(version.number) if version else None,
            "author": department.name if department else city.name,
            "author_email": dataset.contact_email or None,
            "maintainer": department.name if department else city.name,
            "maintainer_email": dataset.contact_email or None,
            "creator_user_id": None,
            "private": False,
            "state": "active",
            "type": "dataset",
            "num_tags": len(dataset.tags),
            "extras": [{"key": key, "value": value} for key, value in extras.items()],
            "resources": files,
            "num_resources": len(files),
            "relationships_as_object": [],
            "relationships_as_subject": [],
        }
    )
    return entry


def find_dataset(identifier: str) -> Dataset:
    """Return the public dataset named by slug or four-by-four id, or raise Not Found."""
    for dataset in Dataset.objects.filter(is_public=True).select_related("department"):
        if identifier in (dataset.slug, four_by_four(dataset.slug)):
            return dataset
    raise ActionError("Not found", "Not Found Error", 404)
