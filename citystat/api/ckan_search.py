"""CKAN's `package_search`: the Solr subset harvesters send, sorting, paging and facets.

`q` and `fq` are read by citystat/api/ckan_query.py and tested against each dataset's
summary (ckan_packages.summary); whole packages are built only for the page answered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from citystat.api.ckan_packages import Catalog, package, summary
from citystat.api.ckan_parameters import ActionError, boolean, text_list, whole_number
from citystat.api.ckan_query import QueryError, compile_query
from citystat.catalog.models import Dataset

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
