"""The resident-facing site: read-only pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from citystat.catalog.models import DatasetVersion
from citystat.plan.models import Goal, Plan, PriorityArea


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    plan = Plan.current()
    return render(
        request,
        "public/home.html",
        {
            "plan": plan,
            "priority_areas": priority_areas_of(plan),
            "last_updated": data_last_updated(),
        },
    )


def priority_areas_of(plan: Plan | None) -> list[PriorityArea]:
    """Return the plan's priority areas in order, with goals and a public measure count."""
    if plan is None:
        return []
    public_measures = Q(goals__objectives__measures__is_public=True)
    return list(
        plan.priority_areas.annotate(
            measure_count=Count("goals__objectives__measures", filter=public_measures)
        )
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position", "title")))
        .order_by("position", "title")
    )


def data_last_updated() -> dt.datetime | None:
    """Return when the newest dataset version was published, for the footer."""
    latest = DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).order_by(
        "-finished_at"
    )
    return latest.values_list("finished_at", flat=True).first()


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors may be trusted here: the database may be the reason for the
    # 500. templates/500.html therefore stands alone and needs no context at all.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
