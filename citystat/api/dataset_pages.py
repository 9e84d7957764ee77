"""A public dataset's page: what it is, its downloads, its API, its rows explored via SODA."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from citystat.api import explorer
from citystat.api.links import site_url
from citystat.catalog import exports
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.preview import data_dictionary

CACHE_SECONDS = 60 * 60
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "parquet": "Parquet", "geojson": "GeoJSON"}


@require_safe
def dataset_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a public dataset's explorer; htmx asks for the explorer alone (`HX-Request`)."""
    dataset = Dataset.objects.filter(slug=slug, is_public=True).select_related("department").first()
    if dataset is None:
        # Internal datasets are not acknowledged to exist.
        raise Http404("No such dataset.")
    version = dataset.latest_version
    asked = explorer.read_request(dataset, request.GET)
    explorer_html = explorer_section(request, dataset, version, asked)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        # htmx swaps only 2xx answers, so a refused filter comes back as 200 and shows its
        # message beside the box; the whole page answers 400 for it.
        return HttpResponse(explorer_html)
    context = {
        "dataset": dataset,
        "version": version,
        "explorer_html": explorer_html,
        "dictionary": data_dictionary(dataset),
        "downloads": downloads(dataset) if version else [],
        # Tags are the city's data: marked in the language it writes them in.
        "data_language": settings.LANGUAGE_CODE,
    }
    return render(
        request, "catalog/dataset_detail.html", context, status=400 if asked.errors else 200
    )


def explorer_section(
    request: HttpRequest,
    dataset: Dataset,
    version: DatasetVersion | None,
    asked: explorer.ExplorerRequest,
) -> SafeString:
    """Return the explorer's HTML, kept per dataset version, question and language.

    Twenty-five rows of twenty columns through the template engine cost more than the
    query's cached answer; an answer with an error is never kept (a timeout may pass).
    """
    number = version.number if version else 0
    state = f"{asked.query_string()}|{site_url()}|{get_language()}|{dataset.updated_at.timestamp()}"
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    key = f"citystat:explorer-html:v1:{dataset.slug}:{number}:{digest}"
    html = None if asked.errors else cache.get(key)
    if html is None:
        page = explored(dataset, number, asked)
        parameters = page.parameters or explorer.rows_parameters(dataset, asked)
        context = {
            "dataset": dataset,
            "version": version,
            "explorer": page,
            "sortable": [c for c in page.columns if explorer.PLAIN_NAME.match(c.name)],
            "api": explorer.api_examples(dataset, site_url(), parameters),
        }
        html = render_to_string("catalog/_explorer.html", context, request)
        if not asked.errors:
            cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 — rendered by the template engine, which escapes


def explored(
    dataset: Dataset, version: int, asked: explorer.ExplorerRequest
) -> explorer.ExplorerPage:
    """Return the explorer's answer, kept per published version of the dataset.

    A new version has a new number, so a load is shown at once; between loads the same
    question (the first page above all) is answered from the cache.
    """
    if asked.errors:
        return explorer.explore(dataset, asked)
    digest = hashlib.sha256(asked.query_string().encode()).hexdigest()[:32]
    key = f"citystat:explorer:v1:{dataset.slug}:{version}:{dataset.updated_at.timestamp()}:{digest}"
    page: explorer.ExplorerPage | None = cache.get(key)
    if page is None:
        page = explorer.explore(dataset, asked)
        if not asked.errors:
            cache.set(key, page, CACHE_SECONDS)
    else:
        page.request = asked
    return page


def downloads(dataset: Dataset) -> list[tuple[str, str]]:
    """Return (format's name, URL) for every whole-dataset file the catalog offers."""
    return [
        (
            FORMAT_NAMES.get(extension, extension.upper()),
            reverse("download", args=[dataset.slug, extension]),
        )
        for extension in exports.formats_for(dataset)
    ]
