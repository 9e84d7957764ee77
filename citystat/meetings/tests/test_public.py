"""What residents see of each meeting state, and the livestream allow-list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.livestream import parse_stream
from citystat.meetings.models import Attendee, FollowUp, Meeting
from citystat.meetings.queries import public_meetings_matching, upcoming_meetings


def make_meeting(area, hours_ahead: float, **fields) -> Meeting:
    starts = timezone.now() + dt.timedelta(hours=hours_ahead)
    fields.setdefault("title", "KCStat")
    return Meeting.objects.create(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=2), priority_area=area, **fields
    )


def page(client, meeting) -> str:
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_published_agenda_shows_and_internal_measures_do_not(client, areas, plan_measures):
    meeting = make_meeting(areas[0], 48)
    draft_agenda(meeting)
    body = page(client, meeting)
    assert "Leaks fixed in a week" not in body  # a draft is not public
    publish_agenda(meeting)
    body = page(client, meeting)
    assert "Leaks fixed in a week" in body
    assert "Crew overtime" not in body


def test_a_cancelled_meeting_says_so_with_its_note(client, areas):
    meeting = make_meeting(areas[0], 48, status=Meeting.Status.CANCELLED, cancellation_note="Snow.")
    body = page(client, meeting)
    assert "This meeting is cancelled." in body and "Snow." in body
    calendar = client.get("/meetings/").content.decode()
    assert "meeting-row--cancelled" in calendar


def test_live_now_embeds_the_player_built_from_the_id(client, areas):
    meeting = make_meeting(
        areas[0], -0.5, livestream_url="https://www.youtube.com/watch?v=abcDEF12345&list=x"
    )
    response = client.get(meeting.get_absolute_url())
    body = response.content.decode()
    assert "Live now" in body
    assert 'src="https://www.youtube-nocookie.com/embed/abcDEF12345"' in body
    assert (
        "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com"
        in (response["Content-Security-Policy"])
    )


def test_only_meeting_pages_may_frame_players(client, areas):
    assert "youtube" not in client.get("/meetings/")["Content-Security-Policy"]


def test_no_player_before_or_after_the_time_window(client, areas):
    meeting = make_meeting(areas[0], 5, livestream_url="https://vimeo.com/123456")
    assert "<iframe" not in page(client, meeting)


def test_after_the_meeting_the_recording_and_minutes_show(client, areas):
    meeting = make_meeting(
        areas[0], -30, status=Meeting.Status.HELD, minutes="Agreed to map every leak.",
        recording_url="https://www.youtube.com/watch?v=zzzzzzzzzzz",
    )  # fmt: skip
    body = page(client, meeting)
    assert "Agreed to map every leak." in body
    assert "Watch the recording" in body
    assert "Follow-up memo" in body


def test_roles_and_departments_show_but_names_do_not(client, areas, departments, bob):
    meeting = make_meeting(areas[0], 48)
    Attendee.objects.create(
        meeting=meeting, role="director", name="Dana Director", department=departments["water"]
    )
    FollowUp.objects.create(
        meeting=meeting, text="Map every leak", department=departments["water"], owner=bob,
        due_on=timezone.localdate() + dt.timedelta(days=9),
    )  # fmt: skip
    body = page(client, meeting)
    assert "Department director, Water Services" in body
    assert "Map every leak" in body
    assert "Dana Director" not in body and "bob" not in body


def test_the_calendar_filters_by_priority_area(client, areas):
    make_meeting(areas[0], 48, title="Roads meeting")
    make_meeting(areas[1], 72, title="Safety meeting")
    body = client.get("/meetings/?area=public-safety").content.decode()
    assert "Safety meeting" in body and "Roads meeting" not in body


def test_queries_for_other_apps(areas):
    roads = make_meeting(areas[0], 48, title="Roads meeting")
    make_meeting(areas[0], 24, title="Cancelled one", status=Meeting.Status.CANCELLED)
    make_meeting(areas[1], -48, title="Old safety meeting", minutes="Talked about potholes.")
    assert upcoming_meetings(priority_area=areas[0]) == [roads]
    assert [m.title for m in public_meetings_matching("pothole", 5)] == ["Old safety meeting"]
    assert public_meetings_matching("  ", 5) == []


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://youtu.be/abcDEF12345", "https://www.youtube-nocookie.com/embed/abcDEF12345"),
        (
            "https://www.youtube.com/live/abcDEF12345",
            "https://www.youtube-nocookie.com/embed/abcDEF12345",
        ),
        ("https://vimeo.com/event/4242", "https://player.vimeo.com/video/4242"),
        ("https://player.vimeo.com/video/4242", "https://player.vimeo.com/video/4242"),
    ],
)
def test_allowed_addresses_become_player_addresses(url, embed):
    assert parse_stream(url).embed_url == embed


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/watch?v=abc",
        "https://www.youtube.com/watch?v=abc%22onload%3Dalert(1)",
        "javascript:alert(1)",
        "https://vimeo.com/not-a-number",
        "https://www.youtube.com.evil.example/watch?v=abc",
    ],
)
def test_other_addresses_are_refused(url):
    assert parse_stream(url) is None


def test_the_city_channel_is_allowed_when_configured(settings):
    settings.CITYSTAT_LIVESTREAM_PROVIDERS = ["own:video.example.gov"]
    assert parse_stream("https://video.example.gov/live/council-7").embed_url == (
        "https://video.example.gov/embed/council-7"
    )
    assert parse_stream("https://www.youtube.com/watch?v=abcDEF12345") is None


def test_the_form_refuses_an_outside_livestream_and_lists_the_providers(alice, areas):
    meeting = make_meeting(areas[0], 48)
    response = signed_in(alice).post(
        f"/staff/meetings/{meeting.pk}/",
        {
            "title": "KCStat",
            "starts_local": meeting.local_start.strftime("%Y-%m-%dT%H:%M"),
            "ends_local": meeting.local_end.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "America/Chicago",
            "livestream_url": "https://stream.evil.example/live/1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Livestreams can only come from: YouTube, Vimeo." in body
    assert 'value="https://stream.evil.example/live/1"' in body
    assert Meeting.objects.get(pk=meeting.pk).livestream_url == ""


def test_the_memo_of_a_held_meeting_is_also_plain_text(client, areas, departments, bob):
    meeting = make_meeting(areas[0], -30, status=Meeting.Status.HELD)
    FollowUp.objects.create(
        meeting=meeting, text="Map every leak", department=departments["water"], owner=bob,
        # Days, not one: the page judges by the city's date, which trails UTC's evenings.
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )  # fmt: skip
    later = make_meeting(areas[0], 48, title="Next infrastructure meeting")
    response = client.get(f"/meetings/{meeting.pk}/memo.txt")
    text = response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "- Map every leak" in text and "Water Services" in text and "(overdue)" in text
    assert "Next meeting on this area: Next infrastructure meeting" in text
    assert "bob" not in text
    assert client.get(f"/meetings/{later.pk}/memo.txt").status_code == 404


def test_a_series_saved_with_an_outside_livestream_is_refused_everywhere(series):
    series.livestream_url = "https://stream.evil.example/live/1"
    with pytest.raises(ValidationError, match="YouTube, Vimeo"):
        series.full_clean()


def test_the_calendar_offers_each_series_feed(client, series):
    assert 'href="/meetings/series/kcstat.ics"' in client.get("/meetings/").content.decode()


def test_the_primary_navigation_marks_the_meetings_section(client, series):
    body = client.get("/meetings/").content.decode()
    assert '<a class="site-nav__link" href="/meetings/" aria-current="page">Meetings</a>' in body


def test_a_cancelled_meeting_hides_its_published_agenda(client, areas, plan_measures):
    meeting = make_meeting(areas[0], 48)
    draft_agenda(meeting)
    publish_agenda(meeting)
    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    body = page(client, meeting)
    assert "No agenda: the meeting is cancelled." in body
    assert "Leaks fixed in a week" not in body


def test_the_calendar_costs_the_same_queries_for_many_meetings(
    client, areas, django_assert_max_num_queries
):
    for hours in range(-240, 240, 24):
        make_meeting(areas[hours % 3], hours)
    client.get("/meetings/")  # warm the session and city profile caches
    with django_assert_max_num_queries(12):
        assert client.get("/meetings/").status_code == 200


def test_before_the_window_the_page_says_when_the_agenda_comes(client, areas, settings):
    settings.CITYSTAT_AGENDA_DAYS_AHEAD = 7
    meeting = make_meeting(areas[0], 24 * 20)
    expected = timezone.localtime(meeting.starts_at - dt.timedelta(days=7), meeting.zone)
    assert f"The agenda will be here by {expected:%A} {expected.day} {expected:%B %Y}." in page(
        client, meeting
    )
