"""The iCalendar feeds answer 304 while nothing they show has changed (#18)."""

import datetime as dt

import pytest
from django.test import Client
from icalendar import Calendar

from citystat.meetings.cadence import assign_rotation, cancel_meeting, generate_meetings
from citystat.meetings.models import Meeting
from citystat.plan.models import PriorityArea

JAN_1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def meetings(series):
    generate_meetings(series, ahead=3, now=JAN_1)
    assign_rotation(series, now=JAN_1)
    return list(Meeting.objects.order_by("starts_at"))


@pytest.mark.parametrize("path", ["/meetings/calendar.ics", "/meetings/series/kcstat.ics"])
def test_an_unchanged_feed_gets_304(meetings, path):
    client = Client()
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"].startswith('"')
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("path", ["/meetings/calendar.ics", "/meetings/series/kcstat.ics"])
def test_a_cancelled_meeting_is_sent_to_a_calendar_holding_the_old_feed(meetings, path):
    client = Client()
    first = client.get(path)
    cancel_meeting(meetings[0])
    after = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    statuses = {
        str(event["UID"]): str(event["STATUS"])
        for event in Calendar.from_ical(after.content).walk("VEVENT")
    }
    assert statuses[meetings[0].uid] == "CANCELLED"


def test_changes_that_leave_no_timestamp_still_change_the_etag(meetings):
    client = Client()
    first = client.get("/meetings/calendar.ics")
    # A queryset update and a renamed area move no updated_at.
    area = meetings[0].priority_area
    PriorityArea.objects.filter(pk=area.pk).update(title="Streets and Bridges")
    renamed = client.get("/meetings/calendar.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200 and b"Streets and Bridges" in renamed.content
    Meeting.objects.filter(pk=meetings[1].pk).delete()
    deleted = client.get("/meetings/calendar.ics", HTTP_IF_NONE_MATCH=renamed["ETag"])
    assert deleted.status_code == 200
    assert meetings[1].uid.encode() not in deleted.content


def test_an_unknown_series_is_404_without_validators(db):
    response = Client().get("/meetings/series/nothing.ics")
    assert response.status_code == 404 and not response.has_header("ETag")
