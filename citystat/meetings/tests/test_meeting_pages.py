"""The resident meeting page read as upcoming, live and past, in English and Spanish:
where and how to watch, add to calendar, linked agenda items, one date format, the time
zone by its common name, and no promise dated in the past (#21)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.models import FollowUp, Meeting

ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.fixture
def bilingual(city):
    city.languages = ["en", "es"]
    city.save()
    return city


def make_meeting(series, hours_ahead: float, **fields) -> Meeting:
    starts = timezone.now() + dt.timedelta(hours=hours_ahead)
    fields.setdefault("priority_area", series.rotation_areas()[0])
    return Meeting.objects.create(
        series=series, title="KCStat", starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
        time_zone=series.time_zone, **fields,
    )  # fmt: skip


def read(client, meeting, language: str = "en") -> str:
    response = client.get(meeting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.content.decode()
    return text[text.index("<main") :]


def test_an_upcoming_meeting_says_where_and_how_to_watch(client, bilingual, series):
    meeting = make_meeting(series, 24 * 20)  # no location or stream of its own
    body = read(client, meeting)
    assert "Where and how to watch" in body
    assert "In person: City Hall, 26th floor" in body
    assert '<a href="https://www.youtube.com/watch?v=abcDEF12345">live on YouTube</a>' in body
    assert f'href="/meetings/{meeting.pk}.ics"' in body
    assert 'href="/meetings/series/kcstat.ics"' in body
    assert "<iframe" not in body  # the player comes when the meeting is on
    spanish = read(client, meeting, "es")
    assert "Dónde y cómo verla" in spanish and "Agregar al calendario" in spanish


def test_the_time_zone_reads_by_its_common_name_in_each_language(client, bilingual, series):
    meeting = make_meeting(series, 24 * 20)
    assert "(Central Time)" in read(client, meeting)
    assert "(hora central)" in read(client, meeting, "es")
    assert "America/Chicago" not in read(client, meeting)
    series.time_zone = "America/Denver"
    series.save()
    mountain = make_meeting(series, 24 * 21)
    assert "(Mountain Time)" in read(client, mountain)


def test_add_to_calendar_gives_the_one_meeting(client, bilingual, series):
    meeting = make_meeting(series, 24 * 20, location="Room 1")
    make_meeting(series, 24 * 50)
    response = client.get(f"/meetings/{meeting.pk}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert [str(e["uid"]) for e in events] == [meeting.uid]
    assert events[0].decoded("dtstart") == meeting.local_start.replace(microsecond=0)
    assert str(events[0]["location"]) == "Room 1"
    assert client.get("/meetings/99999.ics").status_code == 404
    etag = response["ETag"]
    assert client.get(f"/meetings/{meeting.pk}.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_agenda_items_link_to_their_measures_and_goals(client, bilingual, series, plan_measures):
    meeting = make_meeting(series, 24 * 3)
    draft_agenda(meeting)
    publish_agenda(meeting)
    body = read(client, meeting)
    assert '<a href="/measures/leaks-fixed/">Leaks fixed in a week</a>' in body
    assert '<a href="/goals/water/">Clean water</a>' in body
    assert "crew-overtime" not in body  # an internal measure stays off


def test_dates_read_one_way_in_the_readers_language(client, bilingual, series, departments, alice):
    earlier = make_meeting(series, -24 * 40, status=Meeting.Status.HELD)
    due = timezone.localdate() - dt.timedelta(days=3)
    FollowUp.objects.create(
        meeting=earlier, text="Map every leak", department=departments["water"], owner=alice,
        due_on=due,
    )  # fmt: skip
    meeting = make_meeting(series, 24 * 3)
    draft_agenda(meeting)
    publish_agenda(meeting)
    english, spanish = read(client, meeting), read(client, meeting, "es")
    assert not ISO_DATE.search(re.sub(r'datetime="[^"]*"', "", english))
    assert f"overdue since {due:%A} {due.day} {due:%B %Y}" in english
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
    assert f"vencido desde el {due.day} de {months[due.month - 1]} de {due.year}" in (
        re.sub(r"\b[a-zéá]+ (\d+ de)", r"\1", spanish)
    )
    assert "overdue since" not in spanish


def test_a_live_meeting_makes_no_past_dated_promise(client, bilingual, series):
    live = make_meeting(series, -0.5)
    body = read(client, live)
    assert "Live now" in body and "This meeting is taking place now." in body
    assert "The agenda will be here by" not in body
    assert "No agenda was published ahead of this meeting." in body
    assert "Where and how to watch" not in body
    assert "youtube-nocookie.com/embed/abcDEF12345" in body
    spanish = read(client, live, "es")
    assert "La agenda estará aquí" not in spanish


def test_an_upcoming_meeting_inside_the_window_without_agenda_promises_no_past_date(
    client, bilingual, series, settings
):
    settings.CITYSTAT_AGENDA_DAYS_AHEAD = 7
    soon = make_meeting(series, 24 * 2)  # the agenda's public date has passed
    body = read(client, soon)
    assert "The agenda will be here by" not in body
    assert "The agenda will be here before the meeting starts." in body
    later = make_meeting(series, 24 * 20)
    expected = timezone.localtime(later.starts_at - dt.timedelta(days=7), later.zone)
    assert f"The agenda will be here by {expected:%A} {expected.day} {expected:%B %Y}." in (
        read(client, later)
    )


def test_a_past_meeting_reads_as_past(client, bilingual, series):
    past = make_meeting(series, -24 * 3, status=Meeting.Status.HELD)
    body = read(client, past)
    start = past.local_start
    assert f"This meeting took place on {start:%A} {start.day} {start:%B %Y}." in body
    assert "No agenda was published for this meeting." in body
    assert "Where and how to watch" not in body and "Add to calendar" not in body
    assert "Esta reunión se celebró el" in read(client, past, "es")
