"""The live question board of a meeting: what is on screen, what was answered.

Hundreds of residents poll the board every couple of seconds while a meeting runs. Any
saved change to a meeting's questions bumps its `BoardVersion` (the post_save handler in
apps.py). A poll reads that version, at most once every `VERSION_SECONDS` per process
(so a busy meeting costs each web worker a couple of queries a second, however many
watch), and a viewer who already has it gets `204` (or `304` from its ETag). The rendered
fragment is kept under the version, drawn once per change per process.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language

from citystat.engagement.models import BoardVersion, Question
from citystat.engagement.queries import public_questions

# How often the public page asks for a new board (seconds); the benchmark polls the same.
POLL_SECONDS = 2
# The board polls from this long before a meeting starts to this long after it ends;
# outside that window the page shows the board as it stands, without polling.
POLL_MARGIN = dt.timedelta(hours=1)
# How long a web process trusts the version it last read: the most a change waits,
# beyond the poll interval, before viewers served by that process see it.
VERSION_SECONDS = 0.5
# {meeting id: (monotonic time read, version)}; and the fragments drawn, newest kept.
_versions: dict[int, tuple[float, int]] = {}
_fragments: dict[tuple[str, int, int, bool], str] = {}
FRAGMENTS_KEPT = 200


def forget_boards() -> None:
    """Drop what this process remembers of boards (tests, which reuse meeting ids)."""
    _versions.clear()
    _fragments.clear()


def current_version(meeting_id: int) -> int:
    """Return the meeting's board version, read from the database at most every VERSION_SECONDS."""
    now = time.monotonic()
    known = _versions.get(meeting_id)
    if known is not None and now - known[0] < VERSION_SECONDS:
        return known[1]
    version = board_version(meeting_id)
    _versions[meeting_id] = (now, version)
    return version


def board_version(meeting_id: int) -> int:
    version = (
        BoardVersion.objects.filter(meeting_id=meeting_id).values_list("version", flat=True).first()
    )
    return version or 0


def bump_board(meeting_id: int) -> int:
    """Count one change to the meeting's board; return the new version."""
    updated = BoardVersion.objects.filter(meeting_id=meeting_id).update(version=F("version") + 1)
    if not updated:
        try:
            with transaction.atomic():
                BoardVersion.objects.create(meeting_id=meeting_id, version=1)
        except IntegrityError:
            BoardVersion.objects.filter(meeting_id=meeting_id).update(version=F("version") + 1)
    return board_version(meeting_id)


def board_context(meeting_id: int) -> dict[str, Any]:
    """Return the public board: the question on screen and the answered ones, oldest first."""
    questions = public_questions().filter(meeting_id=meeting_id)
    on_screen = questions.filter(live=Question.Live.ON_SCREEN).order_by("-shown_at").first()
    answered = questions.filter(state=Question.State.ANSWERED).order_by(
        F("answered_live_at").asc(nulls_last=True), "answered_at", "pk"
    )
    return {"on_screen": on_screen, "answered": list(answered)}


def board_html(meeting_id: int, version: int, *, polls: bool) -> str:
    """Return the board fragment for `version`, drawing it only if no process has yet.

    A polling board asks for `?since=<its version>`, so an unchanged board is a 204 that
    htmx leaves alone (screen readers hear a change once, not every poll).
    """
    key = (get_language(), meeting_id, version, polls)
    html = _fragments.get(key)
    if html is None:
        context = {
            "meeting_id": meeting_id,
            "version": version,
            "polls": polls,
            "poll_seconds": POLL_SECONDS,
            **board_context(meeting_id),
        }
        html = render_to_string("engagement/_board.html", context)
        if len(_fragments) >= FRAGMENTS_KEPT:
            _fragments.pop(next(iter(_fragments)))
        _fragments[key] = html
    return html


def board_response(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Answer a poll: `204` or `304` when the viewer has this version, else the fragment.

    The fragment's language is the visitor's (language cookie or Accept-Language), as the
    page around it; the ETag names it, so a language switch is a new version.
    """
    language = translation.get_language_from_request(request)
    version = current_version(meeting_id)
    if version == 0:
        from citystat.meetings.models import Meeting

        if not Meeting.objects.filter(pk=meeting_id).exists():
            return HttpResponseNotFound("No such meeting", content_type="text/plain")
    etag = f'"board-{meeting_id}-{version}-{language}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Language, Cookie",
        # The fragment is only ever fetched by the meeting page's script.
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
    }
    if request.GET.get("since") == str(version):
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
