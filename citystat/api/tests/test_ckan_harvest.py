"""Replay ckanext-harvest's CKANHarvester against a running citystat, request by request.

Written from the harvester's documented behaviour (ckanext-harvest's CKAN harvester,
2.x): no code of it is used.

- gather: `GET /api/3/action/package_search?rows=100&start=0&sort=id asc`, with
  `fq=(<terms joined by OR>)` when the source filters organizations or, after a first
  error-free harvest, `metadata_modified:[<last start - 1 hour>Z TO *]`; `start` grows by
  `rows` until a page comes back empty, and a page identical to the one before is an
  error ("the paging doesn't seem to work"). Packages already seen are dropped.
  Harvesters that cannot search fall back to `package_list`.
- fetch: `package_show?id=<id>` per package (older releases; newer ones keep the
  search's dictionary, so both must agree).
- import: `type` must not be `harvest`; with `remote_orgs`/`remote_groups` set to
  `create`, `organization_show?id=<owner_org>` and `group_show?id=<group id>`; extras are
  `{key, value}` with string values; `metadata_modified` strings are compared to decide
  whether a package changed; each resource's `url` is linked (and, with
  `create_resources`, downloaded).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from django.utils import timezone

from citystat.api.soda import four_by_four
from citystat.catalog.exports import build_exports
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import Department

pytestmark = pytest.mark.django_db(transaction=True)

MANY = 230  # more than two pages of the harvester's 100 rows


class SearchError(Exception):
    pass


@pytest.fixture
def source(live_server, requests_dataset, settings):
    settings.CITYSTAT_SITE_URL = live_server.url
    settings.CITYSTAT_API_RATE_ANON = "100000/minute"
    works = Department.objects.create(code="public-works", name="Public Works")
    parks = Department.objects.create(code="parks", name="Parks and Recreation")
    Dataset.objects.filter(pk=requests_dataset.pk).update(department=works, tags=["311"])
    Dataset.objects.bulk_create(
        Dataset(
            slug=f"park-inspections-{number:03d}",
            title=f"Park inspections, district {number}",
            department=parks if number % 2 else works,
            tags=["parks"],
            is_public=True,
            table_schema={"fields": [{"name": "id", "type": "integer"}]},
        )
        for number in range(MANY)
    )
    Dataset.objects.create(slug="internal", title="Internal", table_schema={}, is_public=False)
    build_exports()
    return live_server.url


def get_content(url: str) -> str:
    response = requests.get(url, timeout=60)
    if response.status_code != 200:
        raise SearchError(f"{response.status_code} for {url}: {response.text[:200]}")
    return response.text


def search_for_datasets(
    base: str, fq_terms: list[str] | None = None
) -> tuple[list[dict[str, Any]], list[Any]]:
    """The gather stage's search, paging as the harvester does; return packages and URLs."""
    params = {"rows": "100", "start": "0", "sort": "id asc"}
    if fq_terms:
        params["fq"] = f"({' OR '.join(fq_terms)})"
    packages, seen, previous, urls = [], set(), None, []
    while True:
        url = f"{base}/api/3/action/package_search?{urlencode(params, quote_via=quote)}"
        urls.append(url)
        content = get_content(url)
        if previous and content == previous:
            raise SearchError(f"The paging doesn't seem to work. URL: {url}")
        previous = content
        page = json.loads(content).get("result", {}).get("results", [])
        fresh = [p for p in page if p["id"] not in seen]
        seen |= {p["id"] for p in page}
        packages += fresh
        if not page:
            return packages, urls
        params["start"] = str(int(params["start"]) + int(params["rows"]))


def action(base: str, name: str, **parameters: str) -> dict[str, Any]:
    body = json.loads(get_content(f"{base}/api/3/action/{name}?{urlencode(parameters)}"))
    assert body["success"] is True
    return body["result"]


def import_package(base: str, package: dict[str, Any]) -> dict[str, Any]:
    """The import stage's reads of one package, with remote orgs, groups and resources."""
    assert package["type"] != "harvest"
    assert all(isinstance(e["key"], str) and isinstance(e["value"], str) for e in package["extras"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", package["metadata_modified"])
    imported: dict[str, list[Any]] = {"orgs": [], "groups": [], "resources": []}
    if package["owner_org"]:
        org = action(base, "organization_show", id=package["owner_org"])
        assert org["id"] == package["owner_org"] and org["name"]
        imported["orgs"].append(org["name"])
    for group in package["groups"]:
        imported["groups"].append(action(base, "group_show", id=group["id"])["name"])
    for resource in package["resources"]:
        response = requests.get(resource["url"], timeout=60)
        assert response.status_code == 200, resource["url"]
        assert int(response.headers["Content-Length"]) == resource["size"]
        imported["resources"].append((resource["format"], response.content))
    return imported


def test_a_first_harvest_gathers_fetches_and_imports_every_public_dataset(source):
    packages, urls = search_for_datasets(source)
    assert urls[0].endswith("package_search?rows=100&start=0&sort=id%20asc")
    assert len(urls) == 4  # three pages of packages, then the empty one that ends paging
    public = Dataset.objects.filter(is_public=True)
    assert sorted(p["id"] for p in packages) == sorted(four_by_four(d.slug) for d in public)
    assert [p["id"] for p in packages] == sorted(p["id"] for p in packages)
    # fetch: package_show per id agrees with what the search returned.
    for package in packages[:: len(packages) // 10] + [
        p for p in packages if p["name"] == "service-requests"
    ]:
        assert action(source, "package_show", id=package["id"]) == package
    imported = import_package(source, next(p for p in packages if p["name"] == "service-requests"))
    assert imported["orgs"] == ["public-works"]
    files = dict(imported["resources"])
    assert len(list(csv.DictReader(io.StringIO(files["CSV"].decode())))) == 200
    assert len(json.loads(files["JSON"])) == 200
    for package in packages[:5]:
        import_package(source, package)


def test_a_harvester_that_cannot_search_falls_back_to_package_list(source):
    names = action(source, "package_list")
    assert len(names) == MANY + 1
    shown = [action(source, "package_show", id=name) for name in names[:3]]
    assert [p["name"] for p in shown] == names[:3]


def test_the_next_harvest_gathers_only_what_changed_since(source):
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Dataset.objects.update(updated_at=two_days_ago)
    DatasetVersion.objects.update(published_at=two_days_ago, finished_at=two_days_ago)
    _, first = search_for_datasets(source)
    gather_started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    before = action(source, "package_show", id="park-inspections-007")
    # Something changes on the source after the last harvest.
    changed = Dataset.objects.get(slug="park-inspections-007")
    changed.description = "Now with scores."
    changed.save()
    # And a new version of another is published: its data changed, so its package did.
    DatasetVersion.objects.filter(dataset__slug="service-requests").update(
        published_at=timezone.now()
    )
    since = (gather_started - dt.timedelta(hours=1)).isoformat()
    packages, urls = search_for_datasets(source, [f"metadata_modified:[{since}Z TO *]"])
    assert "fq=%28metadata_modified%3A%5B" in urls[0]
    assert sorted(p["name"] for p in packages) == ["park-inspections-007", "service-requests"]
    # The import compares the strings to decide that the package needs updating.
    after = next(p for p in packages if p["name"] == "park-inspections-007")
    assert after["metadata_modified"] > before["metadata_modified"]


def test_organization_filters_as_the_harvester_writes_them(source):
    included, _ = search_for_datasets(source, ["organization:parks OR organization:nobody"])
    assert len(included) == MANY // 2
    excluded, _ = search_for_datasets(source, ["-organization:parks"])
    assert {p["owner_org"] for p in excluded} == {"public-works"}
    assert len(included) + len(excluded) == MANY + 1


def test_paging_that_repeats_itself_would_be_caught(source, monkeypatch):
    # The harvester's own safeguard, checked here so that the replay above can fail.
    monkeypatch.setattr(
        "citystat.api.tests.test_ckan_harvest.get_content",
        lambda url: '{"result": {"results": [{"id": "x"}]}}',
    )
    with pytest.raises(SearchError):
        search_for_datasets(source)
