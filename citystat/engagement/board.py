"""The live question board of a meeting: what is on screen, what was answered.

Hundreds of residents poll the board every couple of seconds while a meeting runs. Any
saved change to a meeting's questions bumps its stamp, "board:<meeting id>" (plan/revision.py
says what bumps each stamp; apps.py connects this one). A poll reads that stamp, at most once
every `VERSION_SECONDS` per process (so a busy meeting costs each web worker a couple of
cache reads a second, however many watch), and a viewer who already has it gets `204` (or
`304` from its ETag). The rendered fragment is cached under the stamp through the plan's
one cache helper (`revision.cached_by_revision`): drawn once per change, whichever process
asks first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils import timezone, translation

from citystat.engagement.models import Question
from citystat.engagement.queries import public_questions
from citystat.meetings.models import Meeting
from citystat.plan import revision

# How often the public page asks for a new board (seconds); the benchmark polls the same.
POLL_SECONDS = 2
# The board polls from this long before a meeting starts to this long after it ends;
# outside that window the page shows the board as it stands, without polling.
POLL_MARGIN = dt.timedelta(hours=1)
# How long a web process trusts the stamp it last read: the most a change waits,
# beyond the poll interval, before viewers served by that process see it.
VERSION_SECONDS = 0.5
# The meetings this process has seen exist: a poll for any other is checked once.
_meetings_seen: set[int] = set()


def forget_boards() -> None:
    """Drop what this process remembers of boards (tests, which reuse meeting ids)."""
    _meetings_seen.clear()
    revision.forget_stamps()
    revision.forget_local()


def board_stamp(meeting_id: int) -> str:
    """Return the name of the meeting's board stamp."""
    return f"board:{meeting_id}"


def question_board(question: Any) -> str | None:
    """Return the stamp a question's change bumps: its meeting's board, if it has one."""
    return board_stamp(question.meeting_id) if question.meeting_id else None


def current_version(meeting_id: int) -> str:
    """Return the meeting's board version, read from the cache at most every VERSION_SECONDS."""
    return revision.stamp(board_stamp(meeting_id), fresh_for=VERSION_SECONDS)


def board_version(meeting_id: int) -> str:
    """Return the meeting's board version as the shared cache has it now."""
    return revision.stamp(board_stamp(meeting_id))


def bump_board(meeting_id: int) -> None:
    """Record a change to the meeting's board that no saved question of it shows."""
    revision.stamp_changed(board_stamp(meeting_id))


def board_context(meeting_id: int) -> dict[str, Any]:
    """Return the public board: the question on screen and the answered ones, oldest first."""
    questions = public_questions().filter(meeting_id=meeting_id)
    on_screen = questions.filter(live=Question.Live.ON_SCREEN).order_by("-shown_at").first()
    answered = questions.filter(state=Question.State.ANSWERED).order_by(
        F("answered_live_at").asc(nulls_last=True), "answered_at", "pk"
    )
    return {"on_screen": on_screen, "answered": list(answered)}


def board_html(meeting_id: int, version: str, *, polls: bool) -> str:
    """Return the board fragment for `version`, drawing it only if no process has yet.

    A polling board asks for `?since=<its version>`, so an unchanged board is a 204 that
    htmx leaves alone (screen readers hear a change once, not every poll).
    """

    def draw() -> str:
        context = {
            "meeting_id": meeting_id,
            "version": version,
            "polls": polls,
            "poll_seconds": POLL_SECONDS,
            **board_context(meeting_id),
        }
        return str(render_to_string("engagement/_board.html", context))

    key = f"board:{meeting_id}:{version}:{int(polls)}"
    return revision.cached_by_revision(key, draw, stamps=[board_stamp(meeting_id)])


def board_response(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Answer a poll: `204` or `304` when the viewer has this version, else the fragment.

    The fragment's language is the visitor's (language cookie or Accept-Language), as the
    page around it; the ETag names it, so a language switch is a new version.
    """
    language = translation.get_language_from_request(request)
    if meeting_id not in _meetings_seen:
        if not Meeting.objects.filter(pk=meeting_id).exists():
            return HttpResponseNotFound("No such meeting", content_type="text/plain")
        _meetings_seen.add(meeting_id)
    version = current_version(meeting_id)
    etag = f'"board-{meeting_id}-{version}-{language}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Language, Cookie",
        # The fragment is only ever fetched by the meeting page's script.
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
    }
    if request.GET.get("since") == version:
        return HttpResponse(status=204, headers=headers)
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers=headers)
    with translation.override(language):
        html = board_html(meeting_id, version, polls=True)
    response = HttpResponse(html, headers=headers)
    # CommonMiddleware, which the fast path skips, would set it; without it gunicorn
    # falls back to chunked encoding.
    response["Content-Length"] = str(len(response.content))
    return response


def board_polls(
    starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime | None = None
) -> bool:
    """Say whether the public page should poll: around the meeting's time, not for ever."""
    now = now or timezone.now()
    return starts_at - POLL_MARGIN <= now < ends_at + POLL_MARGIN
