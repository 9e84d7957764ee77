"""Socrata's Discovery API (`/api/catalog/v1`), which sodapy's `datasets()` reads.

Only public datasets are listed, and of each only its public columns
(catalog/visibility.field_is_public, through the SoQL column list). Filters are applied
in Python over the public catalogue: a city has hundreds of datasets, not millions.

A filter Socrata has and citystat cannot honour is refused by name, never ignored: an
ignored filter would answer with datasets the caller asked to leave out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from citystat.api.soda import SODA_TYPES, four_by_four
from citystat.api.soql import columns_from_schema
from citystat.catalog.models import Dataset

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# Filters that may be given several times; a dataset matches if it has any of the values.
MULTIPLE = ("ids", "domains", "categories", "tags", "only", "column_names")
# Filters every dataset listed here satisfies when given these values, and none otherwise:
# everything citystat lists is a public, published, official, non-derived dataset.
ALWAYS = {
    "public": ("true",),
    "published": ("true",),
    "visibility": ("open",),
    "provenance": ("official",),
    "approval_status": ("approved",),
    "explicitly_hidden": ("false",),
    "derived": ("false",),
}
ONLY = ("dataset", "datasets")
ORDERS: dict[str, Callable[[Dataset], Any]] = {
    "name": lambda dataset: dataset.title.lower(),
    "createdat": lambda dataset: dataset.created_at,
    "updatedat": lambda dataset: dataset.updated_at,
}
KNOWN = (*MULTIPLE, *ALWAYS, "q", "attribution", "license", "limit", "offset", "order")
WORD = re.compile(r"\w+")


class DiscoveryError(ValueError):
    """A request the Discovery API refuses (400)."""


def integer(parameters: QueryDict, name: str, default: int, highest: int) -> int:
    text = parameters.get(name, "")
    if text == "":
        return default
    if not text.isdigit() or int(text) > highest:
        raise DiscoveryError(
            f"{name}: expected a whole number from 0 to {highest:,}, not {text[:20]!r}."
        )
    return int(text)


def our_domains(request: HttpRequest) -> set[str]:
    """The names this site answers to: the host asked, and CITYSTAT_SITE_URL's."""
    names = {request.get_host().lower(), request.get_host().lower().split(":")[0]}
    site = urlsplit(settings.CITYSTAT_SITE_URL)
    if site.netloc:
        names |= {site.netloc.lower(), (site.hostname or "").lower()}
    return names


def category(dataset: Dataset) -> str:
    """The dataset's category, as /api/views/{id}.json gives it (its first tag)."""
    return cast(str, (dataset.tags or [""])[0])


def searchable_text(dataset: Dataset) -> str:
    columns = [
        f"{spec['name']} {spec.get('title', '')} {spec.get('description', '')}"
        for spec in dataset.public_fields
    ]
    department = dataset.department.name if dataset.department else ""
    return " ".join([dataset.title, dataset.description, department, *dataset.tags, *columns])


def matches(dataset: Dataset, parameters: QueryDict, domains_match: bool) -> bool:
    lowered = {name: [value.lower() for value in parameters.getlist(name)] for name in MULTIPLE}
    checks = [
        domains_match,
        not lowered["ids"]
        or four_by_four(dataset.slug) in lowered["ids"]
        or dataset.slug in lowered["ids"],
        not lowered["categories"] or category(dataset).lower() in lowered["categories"],
        not lowered["tags"] or bool({tag.lower() for tag in dataset.tags} & set(lowered["tags"])),
        not lowered["column_names"]
        or set(lowered["column_names"])
        <= {name.lower() for name in columns_from_schema(dataset.fields)},
    ]
    attribution = parameters.get("attribution")
    if attribution is not None:
        department = dataset.department.name if dataset.department else ""
        checks.append(department.lower() == attribution.lower())
    license_name = parameters.get("license")
    if license_name is not None:
        checks.append(dataset.license.lower() == license_name.lower())
    query = parameters.get("q", "").strip()
    if query:
        words = set(WORD.findall(searchable_text(dataset).lower()))
        checks.append(all(word in words for word in WORD.findall(query.lower())))
    return all(checks)


def check_parameters(parameters: QueryDict) -> None:
    for name in parameters:
        if name not in KNOWN:
            raise DiscoveryError(
                f"{name[:40]}: this filter is not offered here; the filters are "
                f"{', '.join(sorted(KNOWN))}."
            )
    for name in parameters:
        if name not in MULTIPLE and len(parameters.getlist(name)) > 1:
            raise DiscoveryError(f"{name}: give it once.")
    for value in parameters.getlist("only"):
        if value.lower() not in ONLY:
            raise DiscoveryError(
                f"only={value[:20]!r}: this catalogue holds datasets only; use only=dataset."
            )


def ordering(parameters: QueryDict) -> tuple[Callable[[Dataset], Any] | None, bool]:
    text = parameters.get("order", "relevance").strip()
    name, _, direction = text.partition(" ")
    direction = direction.strip().upper()
    if direction not in ("", "ASC", "DESC"):
        raise DiscoveryError(f"order={text[:40]!r}: end it in ASC or DESC, or in nothing.")
    if name.lower() == "relevance":
        return None, False
    key = ORDERS.get(name.lower())
    if key is None:
        raise DiscoveryError(
            f"order={text[:40]!r}: order by relevance, name, createdAt or updatedAt."
        )
    return key, direction == "DESC"


def search(request: HttpRequest) -> dict[str, Any]:
    """Answer a Discovery API search with Socrata's `results` and `resultSetSize`."""
    parameters = request.GET
    check_parameters(parameters)
    limit = integer(parameters, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = integer(parameters, "offset", 0, 10**9)
    key, descending = ordering(parameters)
    always_ok = all(
        value.lower() in allowed
        for name, allowed in ALWAYS.items()
        for value in parameters.getlist(name)
    )
    wanted_domains = {value.lower() for value in parameters.getlist("domains")}
    domains_match = always_ok and (
        not wanted_domains or bool(wanted_domains & our_domains(request))
    )
    datasets = Dataset.objects.filter(is_public=True).select_related("department")
    found = [dataset for dataset in datasets.order_by("title", "pk")
             if matches(dataset, parameters, domains_match)]  # fmt: skip
    if key is not None:
        found.sort(key=key, reverse=descending)
    return {
        "results": [result(request, dataset) for dataset in found[offset : offset + limit]],
        "resultSetSize": len(found),
        "timings": {"serviceMillis": 0, "searchMillis": [0, 0]},
    }


def result(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """One Discovery result: `resource`, `classification`, `metadata`, links, owner."""
    identifier = four_by_four(dataset.slug)
    version = dataset.latest_version
    public = [
        spec for spec in dataset.fields if spec["name"] in columns_from_schema(dataset.fields)
    ]
    data_updated = (version and (version.published_at or version.finished_at)) or dataset.updated_at
    department = dataset.department.name if dataset.department else ""
    page = request.build_absolute_uri(reverse("dataset", args=[dataset.slug]))
    return {
        "resource": {
            "name": dataset.title,
            "id": identifier,
            "parent_fxf": [],
            "description": dataset.description,
            "attribution": department or None,
            "attribution_link": None,
            "contact_email": dataset.contact_email or None,
            "type": "dataset",
            "updatedAt": dataset.updated_at.isoformat(),
            "createdAt": dataset.created_at.isoformat(),
            "metadata_updated_at": dataset.updated_at.isoformat(),
            "data_updated_at": data_updated.isoformat(),
            "publication_date": (
                version.published_at.isoformat() if version and version.published_at else None
            ),  # fmt: skip
            "columns_name": [spec.get("title") or spec["name"] for spec in public],
            "columns_field_name": [spec["name"] for spec in public],
            "columns_datatype": [
                SODA_TYPES.get(spec.get("type", "string"), "text").capitalize() for spec in public
            ],
            "columns_description": [spec.get("description", "") for spec in public],
            "columns_format": [{} for _ in public],
            "provenance": "official",
            "lens_view_type": "tabular",
            "lens_display_type": "table",
            "blob_mime_type": None,
            "hide_from_data_json": False,
        },
        "classification": {
            "categories": [category(dataset)] if category(dataset) else [],
            "tags": list(dataset.tags),
            "domain_category": category(dataset) or None,
            "domain_tags": list(dataset.tags),
            "domain_metadata": [],
        },
        "metadata": {"domain": request.get_host(), "license": dataset.license or None},
        "permalink": page,
        "link": page,
        "owner": {"display_name": department or None},
    }
