"""The resident-facing site: read-only pages."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch
from django.views.decorators.http import require_safe

from citystat.catalog.models import DatasetVersion
from citystat.plan.models import Plan

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    from citystat.engagement.queries import recent_updates
    from citystat.meetings.queries import upcoming_meetings
    from citystat.public.plan_pages import home_fragment

    plan = Plan.current()
    return render(
        request,
        "public/home.html",
        {
            "plan": plan,
            "plan_body": home_fragment(plan) if plan else "",
            "next_meetings": upcoming_meetings(limit=1),
            "updates": linkable(recent_updates(limit=3)),
            "last_updated": data_last_updated(),
        },
    )


def linkable(items: list[Any]) -> list[dict[str, Any]]:
    """Return items with their URL, leaving out any whose URL cannot be built: one bad
    record in another app must not take the home page down."""
    found = []
    for item in items:
        try:
            url = item.get_absolute_url()
        except NoReverseMatch:
            logger.warning("home page: no URL for %r; left out", item)
            continue
        found.append(
            # `item` for its text in the reader's language (city_languages `localized`).
            {"title": item.title, "item": item, "url": url, "published_at": item.published_at}
        )
    return found


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
