"""The workspace section: resident questions waiting for a moderator."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from citystat.accounts.workspace import WorkspaceItem
from citystat.engagement.models import Question

SHOWN = 20


def questions_waiting(user: Any) -> list[WorkspaceItem]:
    waiting = Question.objects.filter(state=Question.State.PENDING)
    waiting = waiting.order_by("-flagged_abusive", "-flagged_spam", "created_at")
    items = []
    for question in waiting[:SHOWN]:
        detail = question.get_channel_display()
        if question.is_flagged:
            detail += f" · flagged: {question.flag_reasons}"
        items.append(
            WorkspaceItem(
                question.text[:80], reverse("engagement:staff-question", args=[question.pk]), detail
            )
        )
    more = waiting.count() - len(items)
    if more > 0:
        items.append(WorkspaceItem(f"{more} more waiting", reverse("engagement:staff-questions")))
    return items
