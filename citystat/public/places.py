"""What the neighborhood and district pages show beside their report: the charts, the
clickable map of the city's areas, and the Atom feed's entries (the views are in
citystat/public/views/places.py; the report itself in citystat/public/place_report.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from citystat.city.maps import UnknownLayer, area_picker
from citystat.city.places import Place, PlaceKind, layer_slug_for
from citystat.lib.charts import inline_svg
from citystat.plan import display
from citystat.public.place_report import PlaceReport
from citystat.public.place_stats import AreaDemolitions, AreaRequests
from citystat.public.templatetags.place_tags import day, weekday_time

MAX_QUERY = 100


def place_charts(report: PlaceReport) -> list[dict[str, Any]]:
    """Return the page's charts: each spec, drawn on the server too, with its caption."""
    charts = []
    for chart_id, spec, caption in (
        (
            "chart-spec-types",
            report.type_chart,
            _("The most requested services over the year; the table below has the numbers."),
        ),
        (
            "chart-spec-close",
            report.close_chart,
            _("Median days to close each type of request, here and across the city."),
        ),
    ):
        if spec is not None:
            svg = mark_safe(inline_svg(spec, spec["description"]))  # noqa: S308 — vl-convert escapes
            charts.append({"id": chart_id, "spec": spec, "caption": caption, "svg": svg})
    return charts


def dataset_url(data: AreaRequests | AreaDemolitions | None) -> str | None:
    return reverse("dataset", args=[data.dataset_slug]) if data is not None else None


def picker_spec(kind: PlaceKind) -> dict[str, Any] | None:
    """Return the clickable map of the kind's areas, or None when the city has no layer."""
    layer_slug = layer_slug_for(kind)
    if layer_slug is None:
        return None
    try:
        spec = area_picker(layer_slug)
    except UnknownLayer:
        return None
    # A few hundred neighborhoods need room to be told apart and clicked.
    return {**spec, "height": 640} if kind == "neighborhood" else spec


def feed_entries(request: HttpRequest, place: Place, report: PlaceReport) -> list[dict[str, Any]]:
    """Return the feed's entries, newest first; each names only public records."""
    entries = []
    for update in report.updates:
        url = request.build_absolute_uri(update.get_absolute_url())
        entries.append(
            {
                "title": update.title,
                "link": url,
                "unique_id": url,
                "description": first_paragraph(update.body),
                "pubdate": update.published_at,
                "updateddate": update.updated_at,
                "categories": [_("Update")],
            }
        )
    for meeting in report.meetings:
        url = request.build_absolute_uri(meeting.get_absolute_url())
        entries.append(
            {
                "title": _("Meeting: %(title)s") % {"title": meeting.title},
                "link": url,
                "unique_id": url,
                "description": _("Public meeting on %(when)s.")
                % {"when": weekday_time(meeting.starts_at)},
                "pubdate": meeting.created_at,
                "updateddate": meeting.updated_at,
                "categories": [_("Meeting")],
            }
        )
    page = request.build_absolute_uri(place.get_absolute_url())
    for version in report.new_data:
        published = version.published_at or version.finished_at or version.started_at
        entries.append(
            {
                "title": _("New data: %(dataset)s") % {"dataset": version.dataset.title},
                "link": page,
                "unique_id": f"{page}#data-{version.dataset.slug}-v{version.number}",
                "description": new_data_summary(place, report, version.dataset.slug),
                "pubdate": published,
                "updateddate": published,
                "categories": [_("Data")],
            }
        )
    far_past = timezone.now().replace(year=1970)
    return sorted(entries, key=lambda e: e["updateddate"] or far_past, reverse=True)


def new_data_summary(place: Place, report: PlaceReport, dataset_slug: str) -> str:
    requests, demolitions = report.requests, report.demolitions
    if requests is not None and requests.dataset_slug == dataset_slug:
        return _(
            "%(count)s 311 requests in %(place)s in the year to %(day)s; "
            "median %(days)s days to close."
        ) % {
            # The feed's numbers read as the pages' do: the reader's separators.
            "count": display.number(requests.area_requests, 0),
            "place": place.label,
            "day": day(requests.last_day),
            "days": "–"
            if requests.area_median_days is None
            else display.bare(requests.area_median_days, "days"),
        }
    if demolitions is not None and demolitions.dataset_slug == dataset_slug:
        return _("%(planned)s demolitions planned and %(completed)s completed in %(place)s.") % {
            "planned": display.number(demolitions.planned, 0),
            "completed": display.number(demolitions.completed, 0),
            "place": place.label,
        }
    return ""


def first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0][:500]
