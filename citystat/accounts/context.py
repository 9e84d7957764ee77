"""The request being served, for code far from the view (the audit log's signal handlers)."""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "citystat_current_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the visitor's IP address, trusting X-Forwarded-For only from known proxies.

    With `CITYSTAT_PROXY_COUNT` = n proxies in front, the n-th address from the right of
    X-Forwarded-For is the one the nearest trusted proxy saw; anything left of it can be
    forged by the visitor, so it is never used for throttling or the audit log.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.CITYSTAT_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Hold the current request in a context variable for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
