"""The resident-facing site: read-only pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.catalog.models import DatasetVersion
from citystat.plan.models import Goal, Plan


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    plan = Plan.current()
    priority_areas = []
    if plan is not None:
        priority_areas = list(
            plan.priority_areas.annotate(measure_count=Count("goals__objectives__measures"))
            .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position")))
            .order_by("position")
        )
    return render(
        request,
        "public/home.html",
        {"plan": plan, "priority_areas": priority_areas, "last_updated": data_last_updated()},
    )


def data_last_updated():
    """Return when the newest dataset version was published, for the footer."""
    latest = DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).order_by(
        "-finished_at"
    )
    return latest.values_list("finished_at", flat=True).first()


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors may be trusted here: the database may be the reason for the 500.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
