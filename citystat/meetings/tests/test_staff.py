"""Staff pages: the meetings list and its warning, publishing, the meeting screen, workspace."""

import datetime as dt

import pytest
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.meetings import hooks
from citystat.meetings.agenda import draft_agenda
from citystat.meetings.models import FollowUp, Meeting, MeetingSeries


def make_meeting(area, days_ahead: float, **fields) -> Meeting:
    starts = timezone.now() + dt.timedelta(days=days_ahead)
    return Meeting.objects.create(
        title="KCStat", starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
        priority_area=area, **fields,
    )  # fmt: skip


@pytest.fixture
def board_panel():
    def panel(request, meeting, screen):
        return f"<section><h2>Live questions for {meeting.pk}</h2></section>" if screen else None

    hooks.meeting_panels.append(panel)
    yield panel
    hooks.meeting_panels.remove(panel)


def test_the_list_warns_about_a_close_meeting_without_a_published_agenda(alice, areas):
    meeting = make_meeting(areas[0], 2)
    body = signed_in(alice).get("/staff/meetings/").content.decode()
    assert "1 meeting soon without a published agenda" in body
    assert f"/staff/meetings/{meeting.pk}/" in body


def test_publishing_from_the_meeting_page(alice, areas, plan_measures):
    meeting = make_meeting(areas[0], 2)
    draft_agenda(meeting)
    client = signed_in(alice)
    response = client.post(f"/staff/meetings/{meeting.pk}/agenda/publish/", follow=True)
    assert "Agenda published" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).agenda_published_at is not None


def test_publishing_a_past_meeting_from_the_page_is_refused_with_the_reason(
    alice, areas, plan_measures
):
    meeting = make_meeting(areas[0], -2)
    draft_agenda(meeting)
    response = signed_in(alice).post(f"/staff/meetings/{meeting.pk}/agenda/publish/", follow=True)
    assert "already started or taken place" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).agenda_published_at is None


def test_the_screen_shows_the_current_item_and_the_live_board(
    alice, areas, plan_measures, board_panel
):
    meeting = make_meeting(areas[0], 0)
    # Opening, the follow-up review, the first goal, then its first measure.
    items = draft_agenda(meeting)
    client = signed_in(alice)
    client.post(f"/staff/meetings/{meeting.pk}/screen/advance/", {"item": items[3].pk})
    body = client.get(f"/staff/meetings/{meeting.pk}/screen/").content.decode()
    assert f"Now: {items[3].title}" in body
    assert f"Live questions for {meeting.pk}" in body
    assert 'data-chart-spec="chart-spec-current"' in body
    client.post(f"/staff/meetings/{meeting.pk}/screen/advance/", {"direction": "next"})
    assert Meeting.objects.get(pk=meeting.pk).current_item == items[4]


def test_the_screen_speaks_the_readers_language(alice, areas, plan_measures):
    # The screen is projected in the meeting room: its own words follow the language.
    meeting = make_meeting(areas[0], 0)
    items = draft_agenda(meeting)
    client = signed_in(alice)
    client.post(f"/staff/meetings/{meeting.pk}/screen/advance/", {"item": items[3].pk})
    body = client.get(
        f"/staff/meetings/{meeting.pk}/screen/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert f"Ahora: {items[3].title}" in body
    assert "Punto siguiente" in body and "Punto anterior" in body
    for english in ("Next item", "Previous item", "Now:", "Back to the meeting"):
        assert english not in body, english


def test_the_public_page_does_not_get_the_screen_panel(client, areas, board_panel):
    meeting = make_meeting(areas[0], 1)
    assert "Live questions" not in client.get(meeting.get_absolute_url()).content.decode()


def test_an_internal_viewer_reads_but_cannot_change_a_meeting(cast, areas):
    meeting = make_meeting(areas[0], 5)
    client = signed_in(cast["vera"])
    assert client.get(f"/staff/meetings/{meeting.pk}/").status_code == 200
    assert client.post(f"/staff/meetings/{meeting.pk}/", {"title": "Hijacked"}).status_code == 403
    assert client.post(f"/staff/meetings/{meeting.pk}/cancel/").status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == "KCStat"


def test_generating_covers_the_next_n_meetings_of_every_series(alice, series, areas):
    other = MeetingSeries.objects.create(
        slug="budget", title="BudgetStat", rule="FREQ=WEEKLY;BYDAY=TH",
        first_date=dt.date(2026, 1, 1), time_zone="America/Denver",
    )  # fmt: skip
    MeetingSeries.objects.create(
        slug="old", title="OldStat", rule="FREQ=WEEKLY", first_date=dt.date(2020, 1, 1),
        is_active=False,
    )  # fmt: skip
    client = signed_in(alice)
    response = client.post("/staff/meeting-series/generate/", {"ahead": "6"}, follow=True)
    body = response.content.decode()
    assert "KCStat: 6 new meeting(s), with drafted agendas" in body
    assert "BudgetStat: 6 new meeting(s)" in body
    assert (series.meetings.count(), other.meetings.count()) == (6, 6)
    assert Meeting.objects.filter(series__slug="old").count() == 0
    assert all(m.agenda_items.exists() for m in series.meetings.all())
    # Asked again for 6 there is nothing new, and it says so rather than a bare 0.
    body = client.post("/staff/meeting-series/generate/", {"ahead": "6"}, follow=True)
    assert "KCStat: its next 6 meetings already existed" in body.content.decode()
    # Asked for 9, each series gets the 3 beyond: the next N, whatever existed.
    client.post("/staff/meeting-series/generate/", {"ahead": "9"})
    assert (series.meetings.count(), other.meetings.count()) == (9, 9)
    now = timezone.now()
    thursdays = [m.local_start for m in other.meetings.order_by("starts_at")]
    assert all(d.weekday() == 3 and (d.hour, d.minute) == (9, 0) for d in thursdays)
    assert thursdays[0] > now and thursdays[0] - now <= dt.timedelta(days=7)


def test_a_bad_number_ahead_is_refused_and_generates_nothing(alice, series):
    response = signed_in(alice).post("/staff/meeting-series/generate/", {"ahead": "0"}, follow=True)
    assert "How many meetings ahead: Ensure this value is greater than" in (
        response.content.decode()
    )
    assert not series.meetings.exists()


def test_a_series_added_on_the_staff_page_generates_its_meetings(alice, areas):
    client = signed_in(alice)
    data = {
        "title": "NeighborhoodStat", "slug": "neighborhoodstat", "rule": "FREQ=MONTHLY;BYDAY=1WE",
        "first_date": "2026-01-01", "start_time": "18:30", "duration_minutes": "60",
        "time_zone": "America/Chicago", "location": "Library", "is_active": "on",
        "rotation_areas": [str(areas[2].pk), str(areas[0].pk)],
    }  # fmt: skip
    response = client.post("/staff/meeting-series/new/", data, follow=True)
    assert response.status_code == 200
    series = MeetingSeries.objects.get(slug="neighborhoodstat")
    assert "Series added. NeighborhoodStat: 6 new meeting(s)" in response.content.decode()
    assert [a.pk for a in series.rotation_areas()] == [areas[0].pk, areas[2].pk]
    meetings = list(series.meetings.order_by("starts_at"))
    assert len(meetings) == 6
    assert [m.priority_area_id for m in meetings[:3]] == [areas[0].pk, areas[2].pk, areas[0].pk]
    assert all(m.local_start.weekday() == 2 and m.local_start.day <= 7 for m in meetings)
    # Edited: a later time is saved; meetings it already has keep their dates.
    data["location"] = "Central Library"
    client.post("/staff/meeting-series/neighborhoodstat/", data)
    series.refresh_from_db()
    assert series.location == "Central Library"
    assert series.meetings.count() == 6


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rule", "EVERY TUESDAY", "Not an iCalendar recurrence rule"),
        ("rule", "DTSTART:20260101T090000\nFREQ=WEEKLY", "without DTSTART"),
        ("time_zone", "Central", "is not an IANA time zone"),
        ("first_date", "01/02/2026", "Enter a valid date."),
    ],
)
def test_a_bad_series_is_refused_beside_its_field(alice, areas, field, value, message):
    data = {
        "title": "NeighborhoodStat", "slug": "neighborhoodstat", "rule": "FREQ=MONTHLY;BYDAY=1WE",
        "first_date": "2026-01-01", "start_time": "18:30", "duration_minutes": "60",
        "time_zone": "America/Chicago", field: value,
    }  # fmt: skip
    response = signed_in(alice).post("/staff/meeting-series/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_{field}_error">' in body and message in body
    assert f'value="{value}"' in body or f">{value}<" in body
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


def test_the_workspace_lists_bobs_overdue_follow_up_first(bob, areas, departments):
    meeting = make_meeting(areas[0], -20, status=Meeting.Status.HELD)
    today = timezone.localdate()
    for text, days in [("Later one", 10), ("Late one", -2)]:
        FollowUp.objects.create(
            meeting=meeting, text=text, department=departments["water"], owner=bob,
            due_on=today + dt.timedelta(days=days),
        )  # fmt: skip
    body = signed_in(bob).get("/staff/").content.decode()
    assert "Follow-ups for you" in body
    assert body.index("Late one") < body.index("Later one")
    assert "OVERDUE since" in body


def test_alice_adds_a_one_off_meeting_with_a_drafted_agenda(alice, areas, plan_measures):
    response = signed_in(alice).post(
        "/staff/meetings/new/",
        {
            "title": "Special budget session",
            "starts_local": "2031-06-03T18:00",
            "ends_local": "2031-06-03T19:30",
            "time_zone": "America/Chicago",
            "priority_area": areas[0].pk,
        },
    )
    meeting = Meeting.objects.get(title="Special budget session")
    assert response.status_code == 302
    assert meeting.starts_at == dt.datetime(2031, 6, 3, 23, 0, tzinfo=dt.UTC)
    assert meeting.agenda_items.filter(kind="measure").count() == 4


def test_staff_edit_an_agenda_item_in_place(alice, areas, plan_measures):
    meeting = make_meeting(areas[0], 5)
    item = draft_agenda(meeting)[3]
    response = signed_in(alice).post(
        f"/staff/meetings/{meeting.pk}/items/{item.pk}/edit/",
        {"title": "Leaks: the new crews", "notes": "Ten minutes", "minutes_allotted": "10"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Leaks: the new crews" in response.content.decode()
    item.refresh_from_db()
    assert (item.title, item.minutes_allotted, item.measure) == (
        "Leaks: the new crews",
        10,
        plan_measures["leaks"],
    )


def test_the_workspace_links_the_meetings_pages(cast):
    body = signed_in(cast["vera"]).get("/staff/").content.decode()
    assert 'href="/staff/meetings/"' in body and 'href="/staff/follow-ups/"' in body


def test_a_meeting_is_held_only_once_it_has_started(alice, areas):
    soon = make_meeting(areas[0], 2)
    client = signed_in(alice)
    response = client.post(f"/staff/meetings/{soon.pk}/held/", follow=True)
    assert "This meeting has not started yet" in response.content.decode()
    soon.refresh_from_db()
    assert soon.status == "scheduled"
    started = Meeting.objects.create(
        title="Started", priority_area=areas[1], starts_at=timezone.now() - dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    client.post(f"/staff/meetings/{started.pk}/held/")
    started.refresh_from_db()
    assert started.status == "held"
    listing = client.get("/staff/meetings/").content.decode()
    upcoming = listing.split("<h2>Upcoming</h2>")[1].split("<h2>")[0]
    recent = listing.split("<h2>Recent</h2>")[1]
    assert "Started" not in upcoming and "Started" in recent
    assert not started.is_live()
    calendar = client.get("/meetings/").content.decode()
    public_upcoming, public_past = calendar.split("Past meetings</h2>")
    assert ">Started<" not in public_upcoming and ">Started<" in public_past


def test_a_series_added_in_the_admin_also_generates_its_meetings(dana, areas):
    data = {
        "slug": "adminstat", "title": "AdminStat", "rule": "FREQ=MONTHLY;BYDAY=3TH",
        "first_date": "2026-01-01", "start_time": "10:00", "duration_minutes": "90",
        "time_zone": "America/Chicago", "is_active": "on",
        "slots-TOTAL_FORMS": "1", "slots-INITIAL_FORMS": "0", "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000", "slots-0-priority_area": str(areas[1].pk),
        "slots-0-position": "0",
    }  # fmt: skip
    response = signed_in(dana).post("/admin/meetings/meetingseries/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    series = MeetingSeries.objects.get(slug="adminstat")
    meetings = list(series.meetings.all())
    assert len(meetings) == 6
    assert {m.priority_area_id for m in meetings} == {areas[1].pk}
    assert all(m.agenda_items.exists() for m in meetings)
