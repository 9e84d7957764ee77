"""A read-only CKAN 2.10 Action API (`/api/3/action/`), so ckanext-harvest and `ckanapi` copy us.

The dictionaries are built in ckan_packages.py, `package_search` in ckan_search.py, the
DataStore actions in ckan_datastore.py (through the SoQL compiler, so a withheld column
is refused exactly like one that does not exist); the remaining actions and the
registry are here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest

from citystat.api import ckan_datastore
from citystat.api.ckan_packages import (
    Catalog,
    find_dataset,
    group,
    organization,
    package,
)
from citystat.api.ckan_parameters import (
    ActionError,
    boolean,
    required_id,
    text_list,
    whole_number,
)
from citystat.api.ckan_search import MAX_ROWS, package_search
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department
from citystat.plan.models import PriorityArea

__all__ = ["ActionError", "run_action"]

CKAN_VERSION = "2.10.0"


def package_show(parameters: dict[str, Any]) -> dict[str, Any]:
    dataset = find_dataset(required_id(parameters))
    return package(Catalog.load([dataset]), dataset)


def package_list(parameters: dict[str, Any]) -> list[str]:
    names = sorted(Dataset.objects.filter(is_public=True).values_list("slug", flat=True))
    offset = whole_number(parameters.get("offset"), "offset", 0, 10**9, 0)
    limit = whole_number(parameters.get("limit"), "limit", 0, 10**9, len(names))
    return names[offset : offset + limit]


def current_package_list_with_resources(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Return packages, most recently modified first, with `limit`/`offset` or `page`."""
    limit = whole_number(parameters.get("limit"), "limit", 1, MAX_ROWS, MAX_ROWS)
    offset = whole_number(parameters.get("offset"), "offset", 0, 10**9, 0)
    if parameters.get("page") not in (None, ""):
        page = whole_number(parameters.get("page"), "page", 1, 10**9, 1)
        offset = (page - 1) * limit
    catalog = Catalog.load()
    entries = [package(catalog, dataset) for dataset in catalog.datasets]
    entries.sort(key=lambda entry: (entry["metadata_modified"], entry["id"]), reverse=True)
    return entries[offset : offset + limit]


def resource_show(parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the resource whose id is `<package id>-<extension>`."""
    identifier = required_id(parameters)
    package_id = identifier.rpartition("-")[0]
    try:
        dataset = find_dataset(package_id)
    except ActionError:
        raise ActionError("Resource was not found.", "Not Found Error", 404) from None
    for entry in package(Catalog.load([dataset]), dataset)["resources"]:
        if entry["id"] == identifier:
            return cast(dict[str, Any], entry)
    raise ActionError("Resource was not found.", "Not Found Error", 404)


def departments_with_counts() -> list[tuple[Department, int]]:
    counts = Counter(
        Dataset.objects.filter(is_public=True, department__isnull=False).values_list(
            "department_id", flat=True
        )
    )
    return [(d, counts[d.pk]) for d in Department.objects.filter(pk__in=counts)]


def areas_with_counts() -> list[tuple[PriorityArea, int]]:
    catalog = Catalog.load()
    counts: Counter[int] = Counter()
    for areas in catalog.groups.values():
        counts.update(area.pk for area in areas)
    return [(area, counts[area.pk]) for area in PriorityArea.objects.filter(pk__in=counts)]


def listing(
    parameters: dict[str, Any],
    items: list[tuple[Any, int]],
    describe: Callable[[Any, int | None], dict[str, Any]],
    kind: str,
) -> list[Any]:
    """Answer organization_list or group_list: names, or whole dictionaries with all_fields."""
    entries = [describe(item, count) for item, count in items]
    wanted = text_list(parameters.get(f"{kind}s"), f"{kind}s")
    if wanted:
        entries = [entry for entry in entries if entry["name"] in wanted]
    sort = str(parameters.get("sort") or "title asc").strip().lower()
    key, _, direction = sort.partition(" ")
    if key not in ("name", "title", "package_count") or direction not in ("", "asc", "desc"):
        raise ActionError("sort: use name, title or package_count, then asc or desc.")
    entries.sort(key=lambda entry: entry[key], reverse=direction == "desc")
    offset = whole_number(parameters.get("offset"), "offset", 0, 10**9, 0)
    limit = whole_number(parameters.get("limit"), "limit", 0, 10**9, len(entries))
    entries = entries[offset : offset + limit]
    if boolean(parameters.get("all_fields"), "all_fields", False):
        return entries
    return [entry["name"] for entry in entries]


def organization_list(parameters: dict[str, Any]) -> list[Any]:
    return listing(parameters, departments_with_counts(), organization, "organization")


def group_list(parameters: dict[str, Any]) -> list[Any]:
    return listing(parameters, areas_with_counts(), group, "group")


def with_packages(
    parameters: dict[str, Any], entry: dict[str, Any], datasets: list[Dataset]
) -> dict[str, Any]:
    entry = {**entry, "extras": [], "groups": [], "tags": [], "users": []}
    if boolean(parameters.get("include_datasets"), "include_datasets", False):
        catalog = Catalog.load(datasets)
        entry["packages"] = [package(catalog, dataset) for dataset in datasets]
    return entry


def organization_show(parameters: dict[str, Any]) -> dict[str, Any]:
    identifier = required_id(parameters)
    for department, count in departments_with_counts():
        if identifier == department.code:
            datasets = list(department.datasets.filter(is_public=True).select_related("department"))
            return with_packages(parameters, organization(department, count), datasets)
    raise ActionError("Organization not found", "Not Found Error", 404)


def group_show(parameters: dict[str, Any]) -> dict[str, Any]:
    identifier = required_id(parameters)
    catalog = Catalog.load()
    for area, count in areas_with_counts():
        if identifier == area.slug:
            datasets = [d for d in catalog.datasets if area in catalog.groups.get(d.pk, [])]
            return with_packages(parameters, group(area, count), datasets)
    raise ActionError("Group not found", "Not Found Error", 404)


def tag_list(parameters: dict[str, Any]) -> list[Any]:
    if parameters.get("vocabulary_id"):
        # Tags have no vocabularies here: none is in any.
        return []
    query = str(parameters.get("query") or parameters.get("q") or "").lower()
    tags = sorted(
        {tag for tags in Dataset.objects.filter(is_public=True).values_list("tags", flat=True)
         for tag in tags if query in tag.lower()}
    )  # fmt: skip
    if boolean(parameters.get("all_fields"), "all_fields", False):
        return [
            {"id": tag, "name": tag, "display_name": tag, "state": "active", "vocabulary_id": None}
            for tag in tags
        ]
    return tags


def status_show(parameters: dict[str, Any]) -> dict[str, Any]:
    city = CityProfile.current()
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": f"{city.name} open data",
        "site_description": "",
        "site_url": settings.CITYSTAT_SITE_URL.rstrip("/"),
        "locale_default": "en",
        "error_emails_to": None,
        "extensions": ["datastore"],
    }


def site_read(parameters: dict[str, Any]) -> bool:
    """Say the site may be read: every public dataset may be, by anyone."""
    return True


ACTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "current_package_list_with_resources": current_package_list_with_resources,
    "resource_show": resource_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "status_show": status_show,
    "site_read": site_read,
    "datastore_search": ckan_datastore.datastore_search,
    "datastore_search_sql": ckan_datastore.datastore_search_sql,
}


def run_action(request: HttpRequest, action: str, parameters: dict[str, Any]) -> Any:
    """Answer one Action API call; raise ActionError for CKAN's error shape."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise ActionError(f"Action name not known: {action}", "Not Found Error", 404)
    return handler(parameters)
