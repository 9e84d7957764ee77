"""iCalendar feeds: the whole calendar and one per series."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from citystat.city.models import CityProfile
from citystat.meetings.ical import calendar_feed
from citystat.meetings.models import MeetingSeries
from citystat.meetings.queries import public_meetings

CONTENT_TYPE = "text/calendar; charset=utf-8"


def ical_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Calendar apps poll; an hour keeps them close to the truth without hammering the site.
    response["Cache-Control"] = "public, max-age=3600"
    return response


def calendar_ics(request: HttpRequest) -> HttpResponse:
    name = f"{CityProfile.current().name} stat meetings"
    body = calendar_feed(
        public_meetings(), name=name, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    return ical_response(body, "meetings.ics")


def series_ics(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(MeetingSeries, slug=slug)
    body = calendar_feed(
        public_meetings().filter(series=series),
        name=series.title,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    return ical_response(body, f"{series.slug}.ics")
