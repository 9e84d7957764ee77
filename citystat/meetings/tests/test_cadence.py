"""Cadence and rotation: second Tuesdays at 9:00 Chicago time, across DST and cancellations."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from citystat.meetings.cadence import (
    CadenceError,
    assign_rotation,
    cancel_meeting,
    generate_meetings,
    move_meeting,
)
from citystat.meetings.models import Meeting

CHICAGO = ZoneInfo("America/Chicago")
JAN_1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def areas_of(series) -> list[str]:
    return [m.priority_area.title for m in series.meetings.order_by("starts_at")]


def test_it_generates_the_second_tuesday_of_each_month_at_nine_local(series):
    meetings = generate_meetings(series, ahead=4, now=JAN_1)
    local = [m.starts_at.astimezone(CHICAGO) for m in meetings]
    assert [d.date() for d in local] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
    ]
    assert {(d.hour, d.minute) for d in local} == {(9, 0)}


def test_nine_oclock_stays_nine_oclock_across_daylight_saving(series):
    meetings = generate_meetings(series, ahead=12, now=JAN_1)
    utc_hours = {m.occurrence: m.starts_at.astimezone(dt.UTC).hour for m in meetings}
    # CST (UTC-6) before 8 March 2026, CDT (UTC-5) until 1 November, CST again after.
    assert utc_hours[dt.date(2026, 2, 10)] == 15
    assert utc_hours[dt.date(2026, 3, 10)] == 14
    assert utc_hours[dt.date(2026, 10, 13)] == 14
    assert utc_hours[dt.date(2026, 11, 10)] == 15
    assert all(m.ends_at - m.starts_at == dt.timedelta(minutes=90) for m in meetings)


def test_generating_again_creates_no_duplicates(series):
    generate_meetings(series, ahead=3, now=JAN_1)
    again = generate_meetings(series, ahead=3, now=JAN_1)
    assert again == []
    assert series.meetings.count() == 3


def test_a_moved_meeting_is_not_generated_again_on_its_old_day(series):
    first = generate_meetings(series, ahead=2, now=JAN_1)[0]
    move_meeting(first, first.starts_at + dt.timedelta(days=2))
    generate_meetings(series, ahead=2, now=JAN_1)
    assert series.meetings.count() == 2
    first.refresh_from_db()
    assert first.status == Meeting.Status.MOVED


def test_meetings_take_the_areas_in_rotation_order(series):
    generate_meetings(series, ahead=4, now=JAN_1)
    assert areas_of(series) == [
        "Infrastructure",
        "Public Safety",
        "Healthy Communities",
        "Infrastructure",
    ]


def test_a_cancelled_meeting_passes_its_area_to_the_next(series):
    meetings = generate_meetings(series, ahead=4, now=JAN_1)
    cancel_meeting(meetings[1], "Snow day")
    assign_rotation(series, now=JAN_1)
    open_areas = [
        m.priority_area.title
        for m in series.meetings.order_by("starts_at")
        if m.status != Meeting.Status.CANCELLED
    ]
    assert open_areas == ["Infrastructure", "Public Safety", "Healthy Communities"]


def test_a_held_meeting_keeps_its_area_and_the_rotation_follows_it(series, areas):
    meetings = generate_meetings(series, ahead=3, now=JAN_1)
    meetings[0].priority_area = areas[2]
    meetings[0].status = Meeting.Status.HELD
    meetings[0].save()
    assign_rotation(series, now=JAN_1)
    assert areas_of(series) == ["Healthy Communities", "Infrastructure", "Public Safety"]


def test_an_area_staff_chose_is_kept(series, areas):
    meetings = generate_meetings(series, ahead=2, now=JAN_1)
    meetings[0].priority_area = areas[1]
    meetings[0].area_chosen_by_staff = True
    meetings[0].save()
    assign_rotation(series, now=JAN_1)
    assert areas_of(series) == ["Public Safety", "Healthy Communities"]


def test_a_held_meeting_cannot_be_cancelled(series):
    meeting = generate_meetings(series, ahead=1, now=JAN_1)[0]
    meeting.status = Meeting.Status.HELD
    meeting.save()
    with pytest.raises(CadenceError):
        cancel_meeting(meeting)


def test_a_rule_with_its_own_dtstart_is_refused(series):
    series.rule = "DTSTART:20260101T090000\nRRULE:FREQ=MONTHLY"
    with pytest.raises(CadenceError):
        generate_meetings(series, now=JAN_1)


def test_moving_cancelling_and_retitling_bump_the_sequence(series):
    meeting = generate_meetings(series, ahead=1, now=JAN_1)[0]
    assert meeting.sequence == 0
    move_meeting(meeting, meeting.starts_at + dt.timedelta(hours=1))
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1
    cancel_meeting(meeting)
    assert Meeting.objects.get(pk=meeting.pk).sequence == 2


def test_changing_the_minutes_does_not_bump_the_sequence(series):
    meeting = generate_meetings(series, ahead=1, now=JAN_1)[0]
    meeting.minutes = "Discussed potholes."
    meeting.save()
    assert Meeting.objects.get(pk=meeting.pk).sequence == 0
