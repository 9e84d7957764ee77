"""Resident engagement: questions and moderation, the live board, updates, subscriptions."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "citystat.engagement"
    verbose_name = "Resident engagement"

    def ready(self) -> None:
        from citystat.accounts.workspace import register_section
        from citystat.catalog import hooks as catalog_hooks
        from citystat.engagement.board import question_board
        from citystat.engagement.models import Question
        from citystat.engagement.panels import agenda_questions_for, live_board_panel
        from citystat.engagement.sections import paused_subscribers, questions_waiting
        from citystat.jobs import queue
        from citystat.meetings import hooks
        from citystat.plan.revision import watch_stamp

        if live_board_panel not in hooks.meeting_panels:
            hooks.meeting_panels.append(live_board_panel)
        if agenda_questions_for not in hooks.agenda_questions:
            hooks.agenda_questions.append(agenda_questions_for)
        queue.register("engagement.deliver", deliver_immediately)
        if push_watched_rows not in catalog_hooks.version_published:
            catalog_hooks.version_published.append(push_watched_rows)
        # Each question's change bumps its meeting's board stamp (plan/revision.py's table).
        watch_stamp("board", [Question], question_board)
        register_section(
            "questions-waiting",
            "Questions waiting for moderation",
            items=questions_waiting,
            permission="engagement.change_question",
            order=15,
            empty="No resident question is waiting.",
        )
        register_section(
            "paused-subscribers",
            "Subscribers whose email bounces",
            items=paused_subscribers,
            permission="engagement.change_mailbox",
            order=16,
            empty="Mail reaches every subscriber.",
        )


def deliver_immediately() -> dict[str, Any]:
    """Mail immediate subscriptions (the job subscriptions.queue_delivery queues)."""
    from citystat.engagement.subscriptions import deliver_immediately as deliver

    return deliver()


def push_watched_rows(version: Any, previous: Any) -> list[str]:
    """Run the watches' pushes after a load (catalog.hooks.version_published).

    Imported when a load calls it, not at start-up: the pushes read the warehouse
    through Ibis, which no command may load before it needs it (#23,
    tests/test_cli.py).
    """
    from citystat.engagement.pushes import push_watched_rows as push

    return push(version, previous)
