"""The site's 404 and 500 pages (handler404 and handler500 in citystat/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors may be trusted here: the database may be the reason for the
    # 500. templates/500.html therefore stands alone and needs no context at all.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
