"""The public list of open datasets, searchable and filtered by department and tag.

Each dataset's own page (its explorer) queries the rows through SODA, so it lives with
the API: citystat/api/dataset_pages.py.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.catalog.listing import catalog_listing


@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    listing = catalog_listing(request.GET)
    status = 400 if listing.errors else 200
    return render(request, "catalog/dataset_list.html", {"listing": listing}, status=status)
