"""The public dataset pages: the list of open datasets and each one's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from citystat.catalog.models import Dataset
from citystat.catalog.preview import data_dictionary, preview_rows


def dataset_list(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.filter(is_public=True).select_related("department")
    return render(request, "catalog/dataset_list.html", {"datasets": datasets})


def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = Dataset.objects.filter(slug=slug, is_public=True).select_related("department").first()
    if dataset is None:
        # Internal datasets are not acknowledged to exist.
        raise Http404("No such dataset.")
    columns, rows = preview_rows(dataset)
    context = {
        "dataset": dataset,
        "version": dataset.latest_version,
        "dictionary": data_dictionary(dataset),
        "preview_columns": columns,
        "preview_rows": rows,
    }
    return render(request, "catalog/dataset_detail.html", context)
