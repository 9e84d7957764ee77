"""The public list of open datasets, searchable and filtered by department and tag.

Each dataset's own page (its explorer) queries the rows through SODA, so it lives with
the API: citystat/api/dataset_pages.py.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.catalog.listing import catalog_listing


@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    listing = catalog_listing(request.GET)
    status = 400 if listing.errors else 200
    # Tags are the city's data, not the site's words (no fixed vocabulary to translate):
    # shown as written, marked in the language the city writes its data in.
    context = {"listing": listing, "data_language": settings.LANGUAGE_CODE}
    return render(request, "catalog/dataset_list.html", context, status=status)
