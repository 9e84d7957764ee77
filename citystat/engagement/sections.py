"""The workspace sections: questions waiting for a moderator, subscribers mail cannot reach."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from citystat.accounts.workspace import WorkspaceItem
from citystat.engagement.models import Mailbox, Question

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


def paused_subscribers(user: Any) -> list[WorkspaceItem]:
    """List the addresses the digest stopped sending to after repeated SMTP errors."""
    paused = Mailbox.objects.filter(paused_at__isnull=False).order_by("-paused_at")
    link = reverse("engagement:staff-mailboxes")
    items = [
        WorkspaceItem(
            mailbox.email,
            link,
            f"paused after {mailbox.failures} failed sends · {mailbox.last_error}",
        )
        for mailbox in paused[:SHOWN]
    ]
    more = paused.count() - len(items)
    if more > 0:
        items.append(WorkspaceItem(f"{more} more paused", link))
    return items
