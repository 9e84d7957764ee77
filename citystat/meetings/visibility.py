"""What a resident sees of a meeting: the rules in one place (docs/meetings.md, "Public")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from citystat.meetings.models import AgendaItem, Attendee, FollowUp, Meeting


@dataclass
class PublicMeeting:
    meeting: Meeting
    agenda: list[AgendaItem] = field(default_factory=list)
    roles: list[Attendee] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    is_live: bool = False
    show_recording: bool = False
    agenda_expected: dt.datetime | None = None
    # "upcoming", "live", "past" or "cancelled": which way the page reads.
    phase: str = "upcoming"
    # When the agenda is promised by: only a date still ahead, never a past-dated promise.
    agenda_promised_by: dt.datetime | None = None
    # The standing follow-up review has nothing to review.
    review_empty: bool = True


def public_view(meeting: Meeting, now: dt.datetime | None = None) -> PublicMeeting:
    """Return what residents may see of `meeting` at `now`.

    The agenda shows once published, no earlier than CITYSTAT_AGENDA_DAYS_AHEAD days
    before the meeting, and not for a cancelled meeting; attendees show by role and
    department, never by name (officials' names are left to the minutes, which staff
    write for the public); follow-ups show with their department and status, never the
    person who owns them.
    """
    now = now or timezone.now()
    view = PublicMeeting(
        meeting,
        is_live=meeting.is_live(now),
        agenda_expected=timezone.localtime(meeting.agenda_public_from(), meeting.zone),
    )
    if meeting.agenda_is_public(now) and not meeting.is_cancelled:
        # An item about an internal measure stays off the public agenda.
        items = meeting.agenda_items.select_related("measure", "goal")
        items = items.select_related("follow_up__department", "follow_up__meeting")
        view.agenda = [item for item in items if item.measure is None or item.measure.is_public]
        view.review_empty = not any(item.follow_up_id for item in view.agenda)
    # The chair first, then as the role list runs (lead, director, counsel, IT, experts).
    order = list(Attendee.Role.values)
    view.roles = sorted(
        meeting.attendees.select_related("department"), key=lambda a: order.index(a.role)
    )
    view.follow_ups = list(meeting.follow_ups.select_related("department", "measure", "goal"))
    view.show_recording = meeting.status == Meeting.Status.HELD or meeting.is_past(now)
    view.phase = meeting_phase(meeting, now)
    expected = view.agenda_expected
    if view.phase == "upcoming" and not view.agenda and expected is not None and expected > now:
        view.agenda_promised_by = expected
    return view


def meeting_phase(meeting: Meeting, now: dt.datetime) -> str:
    """Say how a resident reads the meeting now: upcoming, live, past or cancelled."""
    if meeting.is_cancelled:
        return "cancelled"
    if meeting.is_live(now):
        return "live"
    if meeting.status == Meeting.Status.HELD or meeting.starts_at <= now:
        return "past"
    return "upcoming"


@dataclass
class CalendarRow:
    """One line of the public calendar: only what the list shows, without extra queries."""

    meeting: Meeting
    is_live: bool
    agenda_shown: bool


def calendar_row(meeting: Meeting, now: dt.datetime) -> CalendarRow:
    shown = meeting.agenda_is_public(now) and not meeting.is_cancelled
    return CalendarRow(meeting, meeting.is_live(now), shown)
