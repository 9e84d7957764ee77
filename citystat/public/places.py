"""Neighborhood and district pages: pick your place, see what the data says there."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from citystat.catalog.places_data import POINTS_PER_DATASET
from citystat.city.maps import UnknownLayer, area_picker
from citystat.city.places import (
    Place,
    PlaceKind,
    close_matches,
    find_place,
    fold,
    layer_slug_for,
    matching_places,
    places,
)
from citystat.lib.charts import inline_svg
from citystat.plan import display
from citystat.public.place_maps import place_map
from citystat.public.place_report import PlaceReport, place_report
from citystat.public.place_stats import AreaDemolitions, AreaRequests
from citystat.public.templatetags.place_tags import day, weekday_time

MAX_QUERY = 100


@require_safe
def neighborhood_list(request: HttpRequest) -> HttpResponse:
    """List neighborhoods, filtered by the name typed; one exact match opens its page."""
    text = request.GET.get("q", "")[:MAX_QUERY].strip()
    matches = matching_places("neighborhood", text, limit=300) if text else []
    exact = [place for place in matches if fold(place.name) == fold(text)]
    if text and (len(exact) == 1 or len(matches) == 1):
        return HttpResponseRedirect((exact or matches)[0].get_absolute_url())
    neighborhoods = places("neighborhood")
    return render(
        request,
        "public/places/neighborhood_list.html",
        {
            "query": text,
            "matches": matches,
            "suggestions": close_matches("neighborhood", text) if text and not matches else [],
            "neighborhoods": neighborhoods,
            # The search's example is one of the city's own neighborhoods, never a fixed name.
            "example": neighborhoods[len(neighborhoods) // 2] if neighborhoods else None,
            "districts": places("district"),
            "picker_spec": picker_spec("neighborhood"),
        },
    )


@require_safe
def place_page(request: HttpRequest, kind: PlaceKind, slug: str) -> HttpResponse:
    """Show a neighborhood's or district's page (`kind` comes from the URL pattern)."""
    place = find_place(kind, slug)
    if place is None:
        return place_not_found(request, kind, slug)
    report = place_report(place, timezone.localdate())
    feed_name = "neighborhood-feed" if kind == "neighborhood" else "district-feed"
    return render(
        request,
        "public/places/place_detail.html",
        {
            "place": place,
            "report": report,
            "charts": place_charts(report),
            "feed_url": reverse(feed_name, args=[place.slug]),
            "requests_url": dataset_url(report.requests),
            "demolitions_url": dataset_url(report.demolitions),
            "other_districts": [p for p in places("district") if p != place],
            "picker_spec": picker_spec("district") if kind == "district" else None,
            "place_map": place_map(place),
            "points_limit": POINTS_PER_DATASET,
        },
    )


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


def place_not_found(request: HttpRequest, kind: PlaceKind, slug: str) -> HttpResponse:
    """Answer an unknown place with a 404 that suggests the places it may have meant."""
    return render(
        request,
        "public/places/not_found.html",
        {"kind": kind, "slug": slug[:MAX_QUERY], "suggestions": close_matches(kind, slug)},
        status=404,
    )


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


@require_safe
def place_feed(request: HttpRequest, kind: PlaceKind, slug: str) -> HttpResponse:
    """Serve the place's Atom feed: updates about it, coming meetings, newly loaded data."""
    place = find_place(kind, slug)
    if place is None:
        raise Http404(_("There is no such place."))
    report = place_report(place, timezone.localdate())
    page_url = request.build_absolute_uri(place.get_absolute_url())
    feed = feedgenerator.Atom1Feed(
        title=_("%(place)s: updates, meetings and new data") % {"place": place.label},
        link=page_url,
        description=_("What changes in %(place)s, from the city's performance site.")
        % {"place": place.label},
        feed_url=request.build_absolute_uri(),
        language=request.LANGUAGE_CODE,
        feed_guid=page_url,
    )
    for entry in feed_entries(request, place, report):
        feed.add_item(**entry)
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def feed_entries(request: HttpRequest, place: Place, report) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
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


def new_data_summary(place: Place, report, dataset_slug: str) -> str:  # type: ignore[no-untyped-def]
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
