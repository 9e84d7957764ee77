"""A read-only subset of CKAN's Action API, so CKAN harvesters and `ckanapi` index us."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from citystat.api.soda import four_by_four
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department

ACTIONS = ("package_list", "package_show", "package_search", "organization_list", "status_show")
MAX_ROWS = 1000
SORTS = {
    "name asc": "slug",
    "name desc": "-slug",
    "title_string asc": "title",
    "title_string desc": "-title",
    "metadata_modified desc": "-updated_at",
    "metadata_modified asc": "updated_at",
}


class ActionError(ValueError):
    def __init__(self, message: str, kind: str = "Validation Error", status: int = 409) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def public_datasets() -> QuerySet[Dataset]:
    return Dataset.objects.filter(is_public=True).select_related("department")


def package(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """Return a dataset as a CKAN package dictionary."""
    version = dataset.latest_version
    identifier = four_by_four(dataset.slug)
    city = CityProfile.current()
    downloads = [("CSV", "csv"), ("JSON", "json"), ("Parquet", "parquet")]
    return {
        "id": identifier,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "url": request.build_absolute_uri(reverse("dataset", args=[dataset.slug])),
        "license_title": dataset.license or city.data_license,
        "license_url": city.data_license_url,
        "maintainer_email": dataset.contact_email or None,
        "metadata_created": dataset.created_at.isoformat(),
        "metadata_modified": ((version and version.finished_at) or dataset.updated_at).isoformat(),
        "num_resources": len(downloads),
        "num_tags": len(dataset.tags),
        "organization": organization(dataset.department) if dataset.department else None,
        "owner_org": dataset.department.code if dataset.department else None,
        "private": False,
        "state": "active",
        "type": "dataset",
        "tags": [{"name": tag, "display_name": tag} for tag in dataset.tags],
        "resources": [
            {
                "id": f"{identifier}-{extension}",
                "package_id": identifier,
                "name": f"{dataset.title} ({label})",
                "format": label,
                "url": request.build_absolute_uri(
                    reverse("download", args=[dataset.slug, extension])
                ),
            }
            for label, extension in downloads
        ],
    }


def organization(department: Department) -> dict[str, Any]:
    return {
        "id": department.code,
        "name": department.code,
        "title": department.name,
        "type": "organization",
        "is_organization": True,
        "state": "active",
    }


def run_action(request: HttpRequest, action: str, parameters: dict[str, Any]) -> Any:
    """Answer one Action API call; raise ActionError for CKAN's error shape."""
    if action not in ACTIONS:
        raise ActionError(f"Action name not known: {action}", "Not Found Error", 404)
    if action == "status_show":
        city = CityProfile.current()
        return {
            "ckan_version": "2.10.0",
            "site_title": f"{city.name} open data",
            "site_url": request.build_absolute_uri("/"),
            "extensions": [],
        }
    if action == "organization_list":
        return list(
            Department.objects.filter(datasets__is_public=True)
            .distinct()
            .values_list("code", flat=True)
        )
    if action == "package_list":
        return list(public_datasets().order_by("slug").values_list("slug", flat=True))
    if action == "package_show":
        identifier = str(parameters.get("id") or parameters.get("name_or_id") or "")
        dataset = next(
            (d for d in public_datasets() if identifier in (d.slug, four_by_four(d.slug))), None
        )
        if dataset is None:
            raise ActionError("Not found", "Not Found Error", 404)
        return package(request, dataset)
    return package_search(request, parameters)


def package_search(request: HttpRequest, parameters: dict[str, Any]) -> dict[str, Any]:
    rows = whole_number(parameters.get("rows", 10), "rows", 0, MAX_ROWS)
    start = whole_number(parameters.get("start", 0), "start", 0, 10**9)
    sort = str(parameters.get("sort") or "name asc").strip().lower()
    if sort not in SORTS:
        raise ActionError(f"sort: use one of {', '.join(SORTS)}.")
    datasets = public_datasets()
    for word in str(parameters.get("q") or "").split():
        if word in ("*:*", "*"):
            continue
        datasets = datasets.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(slug__icontains=word)
        )
    for term in str(parameters.get("fq") or "").split():
        key, _, value = term.partition(":")
        value = value.strip('"')
        if key == "organization":
            datasets = datasets.filter(department__code=value)
        elif key in ("tags", "res_format", "name") and value:
            datasets = [d for d in datasets if matches(d, key, value)]  # type: ignore[assignment]
        else:
            raise ActionError(f"fq: {key!r} is not a filter this catalog supports.")
    ordered = sorted(datasets, key=sort_key(SORTS[sort]), reverse=SORTS[sort].startswith("-"))
    return {
        "count": len(ordered),
        "sort": sort,
        "results": [package(request, dataset) for dataset in ordered[start : start + rows]],
        "facets": {},
        "search_facets": {},
    }


def matches(dataset: Dataset, key: str, value: str) -> bool:
    if key == "tags":
        return value in dataset.tags
    if key == "name":
        return dataset.slug == value
    return value.lower() in ("csv", "json", "parquet")


def sort_key(field: str):
    name = field.lstrip("-")
    return lambda dataset: getattr(dataset, name)


def whole_number(raw: Any, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError(f"{name}: {raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ActionError(f"{name}: must be between {low} and {high}.")
    return value
