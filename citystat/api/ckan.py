"""A read-only CKAN 2.10 Action API (`/api/3/action/`), so ckanext-harvest and `ckanapi` copy us.

Packages are public datasets, resources their whole-file downloads (catalog/exports.py),
organizations the departments that own public datasets and groups the current plan's
priority areas whose measures read the dataset. Dictionaries carry the keys CKAN 2.10
returns, since a harvester's import reads them (`owner_org`, `groups`, `extras`,
`metadata_modified`, resource `url` …). Every link is under CITYSTAT_SITE_URL.

`package_search` reads the Solr subset CKAN clients send (citystat/api/ckan_query.py).
`datastore_search` and `datastore_search_sql` answer through the SoQL compiler, so a
withheld column is refused exactly like one that does not exist
(citystat/api/ckan_datastore.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from citystat.api import ckan_datastore
from citystat.api.ckan_errors import ActionError
from citystat.api.ckan_query import QueryError, compile_query
from citystat.api.dcat import FORMAT_LABELS, media_type
from citystat.api.licenses import dataset_license
from citystat.api.links import site_reverse, site_url
from citystat.api.soda import four_by_four
from citystat.catalog import exports
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile, Department
from citystat.plan.models import Measure, PriorityArea

__all__ = ["ActionError", "run_action"]

CKAN_VERSION = "2.10.0"
MAX_ROWS = 1000
SORT_FIELDS = {"id", "name", "title_string", "metadata_modified", "metadata_created", "score"}
DEFAULT_SORT = "score desc, metadata_modified desc"
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
# package_search parameters that only widen to private, draft or deleted datasets, which
# this catalog never shows to anyone: accepted and changing nothing, as CKAN does for an
# anonymous caller.
SEARCH_IGNORED = {"include_private", "include_drafts", "include_deleted", "use_default_schema"}
SEARCH_PARAMETERS = {"q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field",
                     "facet.limit", "facet.mincount"} | SEARCH_IGNORED  # fmt: skip


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


def package(catalog: Catalog, dataset: Dataset, brief: dict[str, Any] | None = None) -> dict:
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


def search_record(dataset: Dataset, entry: dict[str, Any]) -> dict[str, Any]:
    """Return the fields `q` and `fq` search, lower-cased (ckan_query matches them)."""
    words = [dataset.title, dataset.description, dataset.slug, *dataset.tags]
    if dataset.department:
        words += [dataset.department.name, dataset.department.code]
    return {
        "id": [entry["id"].lower()],
        "name": [dataset.slug.lower()],
        "tags": [tag.lower() for tag in dataset.tags],
        "organization": [entry["owner_org"]] if entry["owner_org"] else [],
        "owner_org": [entry["owner_org"]] if entry["owner_org"] else [],
        "groups": [g["name"].lower() for g in entry["groups"]],
        "res_format": [label.lower() for label in entry["formats"]],
        "license_id": [entry["license_id"]] if entry["license_id"] else [],
        "type": ["dataset"],
        "dataset_type": ["dataset"],
        "state": ["active"],
        "capacity": ["public"],
        "title": dataset.title.lower(),
        "notes": dataset.description.lower(),
        "text": " ".join(words).lower(),
        "metadata_modified": dt.datetime.fromisoformat(entry["metadata_modified"]),
        "metadata_created": dt.datetime.fromisoformat(entry["metadata_created"]),
    }


# --- parameters -------------------------------------------------------------------------


def whole_number(raw: Any, name: str, low: int, high: int, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise ActionError(f"{name}: {raw!r} is not a whole number.")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError(f"{name}: {raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ActionError(f"{name}: must be between {low} and {high}.")
    return value


def boolean(raw: Any, name: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ActionError(f"{name}: expected true or false, not {str(raw)[:20]!r}.")


def text_list(raw: Any, name: str) -> list[str]:
    """Read a list given as JSON (`["a","b"]`, as CKAN clients send it in a GET) or a list."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ActionError(f'{name}: expected a JSON list such as ["tags"].') from None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ActionError(f"{name}: expected a list of names.")
    return raw


def required_id(parameters: dict[str, Any], name: str = "id") -> str:
    value = parameters.get(name)
    if not value or not isinstance(value, str):
        raise ActionError(f"{name}: Missing value")
    return value


# --- actions ------------------------------------------------------------------------------


def find_dataset(identifier: str) -> Dataset:
    """Return the public dataset named by slug or four-by-four id, or raise Not Found."""
    for dataset in Dataset.objects.filter(is_public=True).select_related("department"):
        if identifier in (dataset.slug, four_by_four(dataset.slug)):
            return dataset
    raise ActionError("Not found", "Not Found Error", 404)


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
            return entry
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


def sort_order(text: str) -> list[tuple[str, bool]]:
    """Read `field asc, field desc` into (field, descending) pairs."""
    order = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ActionError(f"sort: cannot read {part.strip()!r}; write e.g. 'name asc'.")
        if words[0] not in SORT_FIELDS:
            raise ActionError(f"sort: {words[0]!r} is not one of {', '.join(sorted(SORT_FIELDS))}.")
        order.append((words[0], len(words) == 2 and words[1] == "desc"))
    return order


def sort_value(entry: dict[str, Any], key: str) -> Any:
    if key == "title_string":
        return entry["title"].lower()
    if key == "score":
        # No relevance ranking: every match scores the same, so score orders nothing.
        return 0
    return entry[key]


def package_search(parameters: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(name for name in parameters if name not in SEARCH_PARAMETERS)
    if unknown:
        raise ActionError(
            f"{', '.join(unknown)}: not a package_search parameter this catalog supports; "
            f"use {', '.join(sorted(SEARCH_PARAMETERS - SEARCH_IGNORED))}."
        )
    rows = whole_number(parameters.get("rows"), "rows", 0, MAX_ROWS, 10)
    start = whole_number(parameters.get("start"), "start", 0, 10**9, 0)
    sort = str(parameters.get("sort") or DEFAULT_SORT).strip().lower()
    order = sort_order(sort)
    filters = [str(parameters.get("fq") or "")]
    filters += text_list(parameters.get("fq_list"), "fq_list")
    try:
        tests = [compile_query(str(parameters.get("q") or ""))]
        tests += [compile_query(text) for text in filters]
    except QueryError as error:
        raise ActionError(f"Search Query is invalid: {error}", "Search Query Error", 400) from None
    catalog = Catalog.load()
    found, datasets = [], {}
    for dataset in catalog.datasets:
        entry = summary(catalog, dataset)
        if all(test(search_record(dataset, entry)) for test in tests):
            found.append(entry)
            datasets[entry["id"]] = dataset
    # Sort by the last key first: Python's sort is stable, so earlier keys win. The id
    # breaks ties, so paging by `start` never skips or repeats a package.
    found.sort(key=lambda entry: entry["id"])
    for key, descending in reversed(order):
        found.sort(key=lambda entry: sort_value(entry, key), reverse=descending)
    facets, search_facets = facet_counts(parameters, found)
    return {
        "count": len(found),
        "sort": sort,
        "results": [
            package(catalog, datasets[entry["id"]], entry) for entry in found[start : start + rows]
        ],
        "facets": facets,
        "search_facets": search_facets,
    }


def facet_values(entry: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """Return (name, display name) of each value `entry` has for facet `name`."""
    if name == "organization":
        org = entry["organization"]
        return [(org["name"], org["title"])] if org else []
    if name == "groups":
        return [(g["name"], g["title"]) for g in entry["groups"]]
    if name == "tags":
        return [(t["name"], t["display_name"]) for t in entry["tags"]]
    if name == "res_format":
        return [(label, label) for label in entry["formats"]]
    return [(entry["license_id"], entry["license_title"])] if entry["license_id"] else []


def facet_counts(
    parameters: dict[str, Any], found: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    names = text_list(parameters.get("facet.field"), "facet.field")
    if not boolean(parameters.get("facet"), "facet", True) or not names:
        return {}, {}
    for name in names:
        if name not in FACET_FIELDS:
            raise ActionError(f"facet.field: {name!r} is not one of {', '.join(FACET_FIELDS)}.")
    limit = whole_number(parameters.get("facet.limit"), "facet.limit", -1, 10**6, 50)
    mincount = whole_number(parameters.get("facet.mincount"), "facet.mincount", 0, 10**6, 1)
    facets, search_facets = {}, {}
    for name in names:
        counts: Counter[str] = Counter()
        titles: dict[str, str] = {}
        for entry in found:
            for value, title in facet_values(entry, name):
                counts[value] += 1
                titles[value] = title
        ranked = sorted(
            ((value, count) for value, count in counts.items() if count >= mincount),
            key=lambda pair: (-pair[1], pair[0]),
        )
        if limit >= 0:
            ranked = ranked[:limit]
        facets[name] = dict(ranked)
        search_facets[name] = {
            "title": name,
            "items": [
                {"name": value, "display_name": titles[value], "count": count}
                for value, count in ranked
            ],
        }
    return facets, search_facets


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
