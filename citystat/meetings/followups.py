"""The follow-up workflow: open → in progress → done or dropped, with reasons and history.

History comes from django-simple-history on FollowUp (who changed what, when); comments
are FollowUpComment rows. Overdue means still open (or in progress) after the due date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from citystat.meetings.models import FollowUp, FollowUpComment

Status = FollowUp.Status

ALLOWED = {
    Status.OPEN: {Status.IN_PROGRESS, Status.DONE, Status.DROPPED},
    Status.IN_PROGRESS: {Status.OPEN, Status.DONE, Status.DROPPED},
    # Reopening is allowed: a promise marked kept too early goes back on the list.
    Status.DONE: {Status.OPEN, Status.IN_PROGRESS},
    Status.DROPPED: {Status.OPEN},
}


class FollowUpError(ValueError):
    pass


@transaction.atomic
def change_status(
    follow_up: FollowUp,
    status: str,
    *,
    reason: str = "",
    by: Any = None,
    today: dt.date | None = None,
) -> FollowUp:
    """Move the follow-up to `status`; dropping needs a reason, which is kept and shown."""
    new = Status(status)
    old = Status(follow_up.status)
    if new == old:
        return follow_up
    if new not in ALLOWED[old]:
        raise FollowUpError(f"A follow-up cannot go from {old.label} to {new.label}.")
    reason = reason.strip()
    if new == Status.DROPPED and not reason:
        raise FollowUpError("Say why the follow-up is dropped; residents see the reason.")
    follow_up.status = new
    follow_up.drop_reason = reason if new == Status.DROPPED else ""
    follow_up.closed_on = (
        (today or timezone.localdate()) if new in (Status.DONE, Status.DROPPED) else None
    )
    follow_up._change_reason = reason or f"{old.label} → {new.label}"  # type: ignore[attr-defined]
    follow_up.save()
    if reason and by is not None:
        FollowUpComment.objects.create(follow_up=follow_up, author=by, text=f"Dropped: {reason}")
    return follow_up


def open_follow_ups() -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(status__in=[Status.OPEN, Status.IN_PROGRESS])


def overdue_follow_ups(today: dt.date | None = None) -> QuerySet[FollowUp]:
    """Return follow-ups still open after their due date, the longest overdue first."""
    today = today or timezone.localdate()
    return open_follow_ups().filter(due_on__lt=today).order_by("due_on", "pk")


def due_soon(today: dt.date | None = None, days: int = 7) -> QuerySet[FollowUp]:
    """Return open follow-ups due from `today` to `days` later."""
    today = today or timezone.localdate()
    return open_follow_ups().filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=days))


def history_of(follow_up: FollowUp) -> list[dict[str, Any]]:
    """Return the follow-up's changes, newest first: when, who, what and why."""
    rows = []
    records = list(follow_up.history.order_by("-history_date").select_related("history_user"))
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if older is None:
            what = "Created"
        else:
            delta = newer.diff_against(older)
            what = ", ".join(
                f"{change.field.replace('_', ' ')}: {change.old} → {change.new}"
                for change in delta.changes
                if change.field not in ("updated_at",)
            )
        rows.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "what": what or "Saved",
                "why": newer.history_change_reason or "",
            }
        )
    return rows
