"""The meetings' sections on the staff workspace home (citystat.accounts.workspace)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from citystat.accounts.backends import department_ids_of
from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.meetings.followups import open_follow_ups
from citystat.meetings.followups import overdue_follow_ups as overdue

SHOWN = 20


def my_follow_ups(user: Any) -> list[WorkspaceItem]:
    """Return the open follow-ups the person owns or their departments own, overdue first."""
    today = timezone.localdate()
    mine = open_follow_ups().filter(Q(owner=user) | Q(department__in=department_ids_of(user)))
    items = sorted(
        mine.select_related("department"), key=lambda f: (not f.is_overdue(today), f.due_on)
    )
    return [
        WorkspaceItem(
            follow_up.text[:120],
            reverse("meetings:staff-follow-up", args=[follow_up.pk]),
            ("OVERDUE since " if follow_up.is_overdue(today) else "Due ")
            + f"{follow_up.due_on:%Y-%m-%d} · {follow_up.department.name}",
        )
        for follow_up in items[:SHOWN]
    ]


def overdue_follow_ups(user: Any) -> list[WorkspaceItem]:
    return [
        WorkspaceItem(
            follow_up.text[:120],
            reverse("meetings:staff-follow-up", args=[follow_up.pk]),
            f"Due {follow_up.due_on:%Y-%m-%d} · {follow_up.department.name}",
        )
        for follow_up in overdue().select_related("department")[:SHOWN]
    ]


def meetings_without_agenda(user: Any) -> list[WorkspaceItem]:
    # Imported here: start-up loads this module (MeetingsConfig.ready); the agenda module
    # (with the plan's status rules) loads with the URLs.
    from citystat.meetings.agenda import meetings_missing_agenda  # noqa: PLC0415

    return [
        WorkspaceItem(
            str(meeting),
            reverse("meetings:staff-meeting", args=[meeting.pk]),
            "Close, and its agenda is not published",
        )
        for meeting in meetings_missing_agenda()[:SHOWN]
    ]


def register_meeting_sections() -> None:
    register_section(
        "my-follow-ups",
        "Follow-ups for you",
        items=my_follow_ups,
        permission="meetings.view_followup",
        order=8,
        empty="No open follow-ups are yours or your departments'.",
    )
    register_section(
        "meetings-without-agenda",
        "Meetings soon without a published agenda",
        items=meetings_without_agenda,
        permission="meetings.change_meeting",
        order=12,
        empty="Every meeting in the next days has its agenda published.",
    )
    register_section(
        "overdue-follow-ups",
        "Overdue follow-ups",
        items=overdue_follow_ups,
        permission="meetings.change_meeting",
        order=14,
        empty="No follow-up is overdue.",
    )
