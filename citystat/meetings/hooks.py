"""Extension points other apps fill in from their AppConfig.ready().

meetings sits below engagement (tests/test_import_direction.py): it may not
import resident questions or the live board, so engagement appends to these lists.

    from citystat.meetings import hooks
    hooks.meeting_panels.append(live_question_board)
    hooks.agenda_questions.append(questions_for_meeting)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from citystat.meetings.models import Meeting


@dataclass(frozen=True)
class AgendaQuestion:
    """A resident question selected for a meeting, as the agenda and briefing show it."""

    text: str
    asked_by_neighborhood: str = ""
    status: str = ""
    answer: str = ""
    url: str = ""


# Each returns an HTML fragment (already escaped / marked safe by its author) or None.
# `screen` is True on the staff meeting screen and False on the public meeting page.
meeting_panels: list[Callable[[HttpRequest, Meeting, bool], str | None]] = []

# Each returns the resident questions selected for the meeting.
agenda_questions: list[Callable[[Meeting], list[AgendaQuestion]]] = []


def panels_for(request: HttpRequest, meeting: Meeting, screen: bool) -> list[str]:
    """Return the HTML fragments every registered panel gives for `meeting`."""
    fragments = []
    for panel in meeting_panels:
        html = panel(request, meeting, screen)
        if html:
            fragments.append(html)
    return fragments


def questions_for(meeting: Meeting) -> list[AgendaQuestion]:
    """Return the resident questions every registered source selects for `meeting`."""
    questions: list[AgendaQuestion] = []
    for source in agenda_questions:
        questions.extend(source(meeting))
    return questions
