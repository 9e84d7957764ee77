"""iCalendar (RFC 5545) feeds of meetings, written with the `icalendar` package.

What a resident's calendar app relies on: a UID that never changes, a SEQUENCE that goes
up with every change to time, place or status (Meeting.sequence, bumped in schedule.py),
STATUS:CANCELLED instead of a vanished event, and a VTIMEZONE for every TZID used. The
package writes CRLF line endings and folds lines at 75 octets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration

from citystat.meetings.models import Meeting

PRODUCT_ID = "-//citystat//Stat meetings//EN"
STATUS = {
    Meeting.Status.SCHEDULED: "CONFIRMED",
    Meeting.Status.MOVED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def meeting_event(meeting: Meeting, base_url: str) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("status", STATUS[Meeting.Status(meeting.status)])
    if meeting.location:
        event.add("location", meeting.location)
    url = base_url + meeting.get_absolute_url()
    event.add("url", url)
    description = [meeting.priority_area.title] if meeting.priority_area else []
    if meeting.livestream_url:
        description.append(f"Livestream: {meeting.livestream_url}")
    description.append(url)
    event.add("description", "\n".join(description))
    return event


def time_zones(meetings: list[Meeting]) -> list[Timezone]:
    """Return a VTIMEZONE for every zone the meetings use, covering their dates."""
    zones: dict[str, list[dt.datetime]] = {}
    for meeting in meetings:
        zones.setdefault(meeting.time_zone, []).append(meeting.starts_at)
    components = []
    for name, starts in sorted(zones.items()):
        first = (min(starts) - dt.timedelta(days=366)).date()
        last = (max(starts) + dt.timedelta(days=366)).date()
        components.append(
            Timezone.from_tzinfo(ZoneInfo(name), tzid=name, first_date=first, last_date=last)
        )
    return components


def calendar_feed(meetings: Iterable[Meeting], *, name: str, base_url: str) -> bytes:
    """Return the iCalendar file for `meetings`, named `name` in calendar apps."""
    meetings = list(meetings)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Ask subscribed calendar apps to look again every hour (the feed's cache time).
    calendar.add(
        "refresh-interval", vDuration(dt.timedelta(hours=1)), parameters={"VALUE": "DURATION"}
    )
    calendar.add("x-published-ttl", "PT1H")
    for zone in time_zones(meetings):
        calendar.add_component(zone)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, base_url))
    return calendar.to_ical()
