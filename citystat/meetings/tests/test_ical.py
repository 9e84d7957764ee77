"""The iCalendar feeds, read back by two independent parsers (icalendar and ical)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from citystat.meetings.cadence import cancel_meeting, generate_meetings, move_meeting
from citystat.meetings.models import Meeting

JAN_1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS")


@pytest.fixture
def meetings(series):
    # A long title so that lines must be folded.
    series.title = "KCStat: the city's monthly performance meeting on one priority area " * 2
    series.save()
    return generate_meetings(series, ahead=4, now=JAN_1)


def feed(path: str = "/meetings/calendar.ics") -> bytes:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content


def events_by_uid(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_is_valid_for_icalendar_with_every_required_property(meetings):
    calendar = Calendar.from_ical(feed())
    for component in calendar.walk():
        assert component.errors == [], component.name
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    for event in events:
        assert all(name in event for name in REQUIRED)
    assert {"VERSION", "PRODID"} <= set(calendar.keys())


def test_every_tzid_has_its_vtimezone(meetings):
    calendar = Calendar.from_ical(feed())
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    used = {event["DTSTART"].params["TZID"] for event in calendar.walk("VEVENT")}
    used |= {event["DTEND"].params["TZID"] for event in calendar.walk("VEVENT")}
    assert used == {"America/Chicago"}
    assert used <= zones


def test_lines_end_in_crlf_and_fold_at_75_octets(meetings):
    body = feed()
    lines = body.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # no bare LF anywhere
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long summary was folded


def test_the_independent_ical_parser_reads_the_same_events(meetings):
    calendar = IcsCalendarStream.calendar_from_ics(feed().decode("utf-8"))
    chicago = ZoneInfo("America/Chicago")
    starts = sorted(event.dtstart.astimezone(chicago) for event in calendar.events)
    assert [start.date() for start in starts] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
    ]
    assert {(start.hour, start.minute) for start in starts} == {(9, 0)}
    assert {event.uid for event in calendar.events} == {m.uid for m in meetings}


def test_uids_are_stable_and_a_move_and_a_cancellation_bump_the_sequence(meetings):
    before = events_by_uid(feed())
    move_meeting(meetings[1], meetings[1].starts_at + dt.timedelta(hours=2))
    cancel_meeting(meetings[2], "Snow")
    after = events_by_uid(feed())
    assert set(after) == set(before)
    moved, cancelled, untouched = meetings[1].uid, meetings[2].uid, meetings[3].uid
    assert after[moved]["SEQUENCE"] == before[moved]["SEQUENCE"] + 1
    assert after[moved]["DTSTART"].dt.hour == 11
    assert after[cancelled]["SEQUENCE"] > before[cancelled]["SEQUENCE"]
    assert str(after[cancelled]["STATUS"]) == "CANCELLED"
    assert after[untouched]["SEQUENCE"] == before[untouched]["SEQUENCE"]
    ical_events = IcsCalendarStream.calendar_from_ics(feed().decode()).events
    statuses = {event.uid: str(event.status) for event in ical_events}
    assert "CANCELLED" in statuses[cancelled]


def test_the_series_feed_holds_only_its_own_meetings(meetings, areas):
    start = dt.datetime(2026, 5, 1, 14, tzinfo=dt.UTC)
    Meeting.objects.create(title="One-off", starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert len(Calendar.from_ical(feed("/meetings/series/kcstat.ics")).walk("VEVENT")) == 4
    assert len(Calendar.from_ical(feed()).walk("VEVENT")) == 5


def test_an_unknown_series_is_not_found(db):
    assert Client().get("/meetings/series/nope.ics").status_code == 404


def test_the_feed_asks_calendar_apps_to_refresh_hourly(meetings):
    body = feed()
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
