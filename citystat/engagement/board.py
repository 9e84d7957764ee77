"""The live question board of a meeting: what is on screen, what was answered.

Hundreds of residents poll the board every couple of seconds while a meeting runs. Each
poll reads one small row (the meeting's `BoardVersion`); the rendered fragment is cached
under that version, so it is drawn once per change per process, and a viewer who already
has it gets `304 Not Modified` from its ETag. Any saved change to a meeting's questions
bumps the version (the post_save handler in apps.py), which is all it takes for every
viewer to see it on their next poll.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
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
CACHE_SECONDS = 3600


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
    key = f"engagement:board:{get_language()}:{meeting_id}:{version}:{int(polls)}"
    html = cache.get(key)
    if html is None:
        context = {
            "meeting_id": meeting_id,
            "version": version,
            "polls": polls,
            "poll_seconds": POLL_SECONDS,
            **board_context(meeting_id),
        }
        html = render_to_string("engagement/_board.html", context)
        cache.set(key, html, CACHE_SECONDS)
    return html


def board_response(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Answer a poll: `204` or `304` when the viewer has this version, else the fragment.

    The fragment's language is the visitor's (language cookie or Accept-Language), as the
    page around it; the ETag names it, so a language switch is a new version.
    """
    language = translation.get_language_from_request(request)
    version = board_version(meeting_id)
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
