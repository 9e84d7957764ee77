"""Residents' pages about places: the neighborhood list, neighborhood and district pages
with their Atom feeds, and "near me".

Thin views: what a place page shows is worked out in citystat/public/place_report.py
(and place_stats.py, place_maps.py), its charts and feed entries in
citystat/public/places.py, and near me's answers in citystat/public/near_me.py.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from citystat.catalog.places_data import POINTS_PER_DATASET, address_datasets
from citystat.city.lookup import PointError, places_at, read_point
from citystat.city.places import (
    PlaceKind,
    close_matches,
    find_place,
    fold,
    matching_places,
)
from citystat.city.places import places as places_of_kind
from citystat.public import near_me as near
from citystat.public import places
from citystat.public.place_maps import place_map
from citystat.public.place_report import place_report


@require_safe
def neighborhood_list(request: HttpRequest) -> HttpResponse:
    """List neighborhoods, filtered by the name typed; one exact match opens its page."""
    text = request.GET.get("q", "")[: places.MAX_QUERY].strip()
    matches = matching_places("neighborhood", text, limit=300) if text else []
    exact = [place for place in matches if fold(place.name) == fold(text)]
    if text and (len(exact) == 1 or len(matches) == 1):
        return HttpResponseRedirect((exact or matches)[0].get_absolute_url())
    neighborhoods = places_of_kind("neighborhood")
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
            "districts": places_of_kind("district"),
            "picker_spec": places.picker_spec("neighborhood"),
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
            "charts": places.place_charts(report),
            "feed_url": reverse(feed_name, args=[place.slug]),
            "requests_url": places.dataset_url(report.requests),
            "demolitions_url": places.dataset_url(report.demolitions),
            "other_districts": [p for p in places_of_kind("district") if p != place],
            "picker_spec": places.picker_spec("district") if kind == "district" else None,
            "place_map": place_map(place),
            "points_limit": POINTS_PER_DATASET,
        },
    )


def place_not_found(request: HttpRequest, kind: PlaceKind, slug: str) -> HttpResponse:
    """Answer an unknown place with a 404 that suggests the places it may have meant."""
    return render(
        request,
        "public/places/not_found.html",
        {"kind": kind, "slug": slug[: places.MAX_QUERY], "suggestions": close_matches(kind, slug)},
        status=404,
    )


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
    for entry in places.feed_entries(request, place, report):
        feed.add_item(**entry)
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@require_safe
def near_me(request: HttpRequest) -> HttpResponse:
    """Answer the address typed or the point sent; refuse what cannot be read, by name."""
    sources = address_datasets()
    typed = request.GET.get("address", "").strip()
    answer, error = None, ""
    if "address" in request.GET and sources:
        answer, error = near.by_address(typed)
    elif "lat" in request.GET or "lon" in request.GET:
        try:
            latitude, longitude = read_point(request.GET.get("lat", ""), request.GET.get("lon", ""))
        except PointError as refused:
            error = str(refused)
        else:
            how = request.GET.get("how", "map")
            how = how if how in near.HOW else "map"
            answer = near.NearMe(latitude, longitude, how, places_at(latitude, longitude))
            if not answer.found:
                error = _(
                    "That point is outside every neighborhood and council district of the "
                    "city. Choose a place on the map."
                )
    context = {
        "answer": answer,
        "error": error,
        "typed": typed,
        "address_sources": sources,
        "map": near.city_map(answer),
    }
    return render(request, "public/near_me.html", context, status=400 if error else 200)
