"""What other apps (public pages, search, places) read from engagement: public items only."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from citystat.engagement.models import AreaKind, Question, Update


def published_updates() -> QuerySet[Update]:
    return Update.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())


def recent_updates(
    limit: int = 5, *, neighborhood: str | None = None, district: str | None = None
) -> list[Update]:
    """Return the newest published updates, optionally only those about one area."""
    updates = published_updates()
    if neighborhood:
        updates = updates.filter(areas__kind=AreaKind.NEIGHBORHOOD, areas__name=neighborhood)
    if district:
        updates = updates.filter(areas__kind=AreaKind.DISTRICT, areas__name=district)
    return list(updates.distinct().order_by("-published_at")[:limit])


def updates_matching(text: str, limit: int = 10) -> list[Update]:
    """Return published updates whose title or body contains `text` (for site search)."""
    text = text.strip()
    if not text:
        return []
    matching = published_updates().filter(Q(title__icontains=text) | Q(body__icontains=text))
    return list(matching.order_by("-published_at")[:limit])


def public_questions() -> QuerySet[Question]:
    """Return the questions anyone may read: approved or answered, never merged away."""
    return Question.objects.filter(state__in=[Question.State.APPROVED, Question.State.ANSWERED])
