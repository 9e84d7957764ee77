"""Request ids, access lines and latency metrics for every request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from citystat.lib.logs import reset_request_id, set_request_id

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy in front is kept so one id follows a request through nginx and
# the app; anything that could smuggle text into a log line is replaced by a fresh one.
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

access_log = logging.getLogger("citystat.access")


def request_id_for(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if ACCEPTABLE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each request an id (`request.request_id`), log it, and return it in a header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if getattr(settings, "CITYSTAT_ACCESS_LOG", False):
                milliseconds = round((time.perf_counter() - started) * 1000, 1)
                # The path without its query string: tokens may ride in query strings.
                access_log.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    response.status_code,
                    milliseconds,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": milliseconds,
                    },
                )
            return response
        finally:
            reset_request_id(token)


class MetricsMiddleware:
    """Time every request into the latency histogram, labelled by the view that answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.CITYSTAT_METRICS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Here, not at the top: prometheus_client takes a tenth of a second or more to import, paid
        # only when metrics are on (the middleware steps aside otherwise).
        from citystat.ops.metrics import observe_request  # noqa: PLC0415

        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        # The route's name, never the raw path: one label per view, not per URL visited.
        view = (match.view_name or match._func_path) if match else "unmatched"
        observe_request(
            view, request.method or "", response.status_code, time.perf_counter() - started
        )
        return response
