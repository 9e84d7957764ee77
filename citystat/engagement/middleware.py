"""The live board's fast path: hundreds of viewers poll it every 2 seconds during a meeting.

A poll needs no session, user, CSRF token, messages or the city's time zone, and the
middleware that provides them costs more than the board itself (about ten times, measured
by benchmarks/live_board.py). Placed right after WhiteNoise in settings.MIDDLEWARE, this
answers `GET /meetings/<id>/board/` itself, with the host checked and the security headers
a page gets, and passes every other request on untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from citystat.engagement.board import board_response

BOARD_PATH = re.compile(r"^/meetings/(\d+)/board/$")


class LiveBoardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = BOARD_PATH.match(request.path_info)
        if match is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.get_host()  # refuses a host outside ALLOWED_HOSTS, as CommonMiddleware does
        return board_response(request, int(match.group(1)))
