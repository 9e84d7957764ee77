"""What engagement adds to the meetings app's pages, through citystat.meetings.hooks.

On the public meeting page: the live question board (polling only around the meeting's
time) and a link to ask a question. On the staff meeting screen: the same board plus the
moderator's controls. For agendas and briefing books: the questions selected for it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from citystat.city.templatetags.city_languages import localized_lines
from citystat.engagement.board import POLL_SECONDS, board_html, board_polls, board_version
from citystat.engagement.emails import question_public_url
from citystat.engagement.models import Question
from citystat.engagement.queries import public_questions
from citystat.meetings.hooks import AgendaQuestion
from citystat.meetings.models import Meeting


def live_board_panel(request: HttpRequest, meeting: Any, screen: bool) -> str:
    """Return the board (and, on the staff screen, the moderator's controls) for a meeting."""
    polls = board_polls(meeting.starts_at, meeting.ends_at)
    context = {
        "meeting": meeting,
        "board": board_html(meeting.pk, board_version(meeting.pk), polls=polls),
        "polls": polls,
        "poll_seconds": POLL_SECONDS,
        "ask_url": reverse("engagement:ask") + f"?meeting={meeting.pk}",
        "screen": screen,
    }
    html = str(render_to_string("engagement/_board_panel.html", context, request))
    if screen and request.user.has_perm("engagement.change_question"):
        html += board_controls(request, meeting)
    return html


def board_controls(
    request: HttpRequest,
    meeting: Any,
    *,
    refused: dict[str, Any] | None = None,
    next_url: str = "",
) -> str:
    """Return the moderator's list of a meeting's approved questions with live buttons.

    `refused` is an answer just refused (its question's pk, the reason and the typed
    text), shown again beside its field.
    """
    questions = Question.objects.filter(meeting=meeting).filter(
        state__in=[Question.State.APPROVED, Question.State.ANSWERED]
    )
    pending = Question.objects.filter(meeting=meeting, state=Question.State.PENDING).count()
    context = {
        "meeting": meeting,
        "questions": questions.order_by("live", "created_at"),
        "pending": pending,
        "csrf_token": get_token(request),
        "next": next_url or request.get_full_path(),
        "refused": refused or {},
    }
    return render_to_string("engagement/staff/_board_controls.html", context, request)


def agenda_questions_for(meeting: Meeting) -> list[AgendaQuestion]:
    """Return the approved questions of a meeting as the agenda and briefing book list them."""
    questions = public_questions().filter(meeting=meeting).order_by("created_at")
    return [
        AgendaQuestion(
            text=question.text,
            asked_by_neighborhood=question.neighborhood,
            status=question.get_state_display(),
            # In the reader's language, a fallback marked (the agenda and briefing are HTML).
            answer=localized_lines(question, "answer"),
            url=question_public_url(question),
        )
        for question in questions
    ]
