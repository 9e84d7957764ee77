"""What other apps (public site, search, API) ask of meetings; public meetings only."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from citystat.meetings.models import Meeting
from citystat.plan.models import PriorityArea


def public_meetings() -> QuerySet[Meeting]:
    """Return every meeting residents may see (all of them, cancelled ones included)."""
    return Meeting.objects.select_related("priority_area", "series")


def upcoming_meetings(limit: int = 5, priority_area: PriorityArea | None = None) -> list[Meeting]:
    """Return the next meetings that have not ended and are not cancelled, soonest first."""
    meetings = public_meetings().filter(ends_at__gt=timezone.now())
    meetings = meetings.exclude(status=Meeting.Status.CANCELLED)
    if priority_area is not None:
        meetings = meetings.filter(priority_area=priority_area)
    return list(meetings.order_by("starts_at")[:limit])


def public_meetings_matching(text: str, limit: int = 10) -> list[Meeting]:
    """Return meetings whose title, area, location or minutes mention `text`, newest first."""
    text = text.strip()
    if not text:
        return []
    matching = public_meetings().filter(
        Q(title__icontains=text)
        | Q(priority_area__title__icontains=text)
        | Q(location__icontains=text)
        | Q(minutes__icontains=text)
    )
    return list(matching.order_by("-starts_at")[:limit])
