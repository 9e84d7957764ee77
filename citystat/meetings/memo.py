"""The follow-up memo sent after each meeting (the CitiStat practice): what was promised,
by which department, by when, and when the area comes back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from citystat.meetings.models import FollowUp, Meeting


@dataclass
class Memo:
    meeting: Meeting
    follow_ups: list[FollowUp]
    next_meeting: Meeting | None
    today: dt.date

    def as_text(self) -> str:
        return render_to_string("meetings/memo.txt", {"memo": self})

    def as_html(self) -> str:
        return render_to_string("meetings/_memo.html", {"memo": self})


def next_meeting_on_area(meeting: Meeting) -> Meeting | None:
    """Return the next meeting that is not cancelled and takes up the same priority area."""
    if meeting.priority_area_id is None:
        return None
    later = Meeting.objects.filter(
        priority_area_id=meeting.priority_area_id, starts_at__gt=meeting.starts_at
    ).exclude(status=Meeting.Status.CANCELLED)
    return later.order_by("starts_at").first()


def follow_up_memo(meeting: Meeting, today: dt.date | None = None) -> Memo:
    """Return the memo of `meeting`: its follow-ups (departments, not people) and what is next."""
    follow_ups = list(meeting.follow_ups.select_related("department", "measure", "goal"))
    return Memo(meeting, follow_ups, next_meeting_on_area(meeting), today or timezone.localdate())
