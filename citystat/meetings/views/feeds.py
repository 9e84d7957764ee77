"""iCalendar feeds: the whole calendar and one per series, with ETag and 304 (#18)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import etag

from citystat.city.models import CityProfile
from citystat.lib.etags import model_fields, strong_etag
from citystat.lib.release import citystat_version
from citystat.meetings.ical import calendar_feed
from citystat.meetings.models import Meeting, MeetingSeries
from citystat.meetings.queries import public_meetings

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Read once: a release may write the feed otherwise, so its ETag names it.
RELEASE = citystat_version()


def ical_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Calendar apps poll; an hour keeps them close to the truth without hammering the site.
    response["Cache-Control"] = "public, max-age=3600"
    return response


def feed_etag(request: HttpRequest, meetings: QuerySet[Meeting], *extra: Any) -> str:
    """Hash every field of the feed's meetings, their areas' titles, the city and the host.

    Only an ETag, no Last-Modified: a meeting deleted or an area renamed leaves no later
    timestamp, and a date that stood still would answer 304 for a changed feed. Reading
    the rows is cheap; building the calendar (time zones, folding) is what is saved.
    """
    rows = list(meetings.order_by("pk").values_list())
    areas = list(meetings.order_by("pk").values_list("pk", "priority_area__title"))
    city = model_fields(CityProfile.current())
    return strong_etag(
        RELEASE,
        request.path,
        request.get_host(),
        request.scheme,
        rows,
        areas,
        city,
        extra,
    )


def calendar_etag(request: HttpRequest) -> str:
    return feed_etag(request, public_meetings())


def series_etag(request: HttpRequest, slug: str) -> str | None:
    series = MeetingSeries.objects.filter(slug=slug).values_list().first()
    if series is None:
        return None
    return feed_etag(request, public_meetings().filter(series__slug=slug), series)


@etag(calendar_etag)
def calendar_ics(request: HttpRequest) -> HttpResponse:
    name = f"{CityProfile.current().name} stat meetings"
    body = calendar_feed(
        public_meetings(), name=name, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    return ical_response(body, "meetings.ics")


@etag(series_etag)
def series_ics(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(MeetingSeries, slug=slug)
    body = calendar_feed(
        public_meetings().filter(series=series),
        name=series.title,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    return ical_response(body, f"{series.slug}.ics")


def meeting_etag(request: HttpRequest, pk: int) -> str:
    return feed_etag(request, public_meetings().filter(pk=pk))


@etag(meeting_etag)
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting as an iCalendar file, for "add to calendar" on its page."""
    meeting = get_object_or_404(public_meetings(), pk=pk)
    body = calendar_feed(
        [meeting], name=meeting.title, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = ical_response(body, f"meeting-{meeting.pk}.ics")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response
