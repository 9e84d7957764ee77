"""One rate limiter for the whole site: public forms and every API (docs/security.md).

Counts live in the `ratelimit` cache (settings.CACHES) as a sliding-window counter: the
current fixed window's count plus the previous window's, weighted by how much of it still
overlaps the last `period_seconds`. That smooths the burst a plain fixed window allows at
its edges, and costs one atomic `incr` and one `get` per request.

The `ratelimit` cache is shared by every worker (the app database by default, or Redis:
citystat/lib/deployment.py). Redis and in-process caches increment atomically; the
database cache reads and writes, so two requests in the same instant may count as one
and a burst can slip a little over the limit, never far.
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

from citystat.accounts.context import client_ip

CACHE_ALIAS = "ratelimit"
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")
# Paths whose clients are programs: they get a JSON body, not an HTML page.
API_PREFIXES = ("/api/", "/resource/", "/open311/", "/data.json")


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    # Seconds until one more request would be allowed; 0 when this one was.
    retry_after: int
    limit: int
    remaining: int


@dataclass(frozen=True)
class Rate:
    limit: int
    period_seconds: int


def parse_rate(text: str) -> Rate:
    """Read a rate such as `60/minute`, `1000/hour` or `5/10minutes`."""
    match = RATE_PATTERN.match(text or "")
    if not match:
        raise ImproperlyConfigured(
            f"{text!r} is not a rate; write requests per period, such as 60/minute or 1000/hour."
        )
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * PERIODS[unit])


def keep_alive(cache: BaseCache, key: str, timeout: int) -> None:
    """Give a counter its own lifetime back after a generic (database cache) incr or decr,
    which rewrites the entry with the cache's default timeout, maybe shorter than a window."""
    if type(cache).incr is BaseCache.incr:
        cache.touch(key, timeout=timeout)


def check_rate(
    request: HttpRequest,
    scope: str,
    limit: int,
    period_seconds: int,
    key: str | None = None,
) -> RateDecision:
    """Count this request against `limit` per `period_seconds` for `key` in `scope`.

    `key` defaults to the visitor's IP address (trusting only known proxies). A request
    whose IP cannot be read is counted under one shared key, so it is limited, not exempt.
    """
    if limit < 1 or period_seconds < 1:
        raise ValueError("limit and period_seconds must both be at least 1")
    who = key if key is not None else (client_ip(request) or "unknown")
    cache = caches[CACHE_ALIAS]
    now = time.time()
    window = int(now // period_seconds)
    prefix = f"rl:{scope}:{period_seconds}:{who}"
    current_key = f"{prefix}:{window}"
    # Two windows must survive: the current one and the one the next window looks back at.
    keep = 2 * period_seconds + 1
    cache.add(current_key, 0, timeout=keep)
    try:
        current = cache.incr(current_key)
    except ValueError:
        # The entry expired between add and incr (a clock edge); start it again.
        cache.set(current_key, 1, timeout=keep)
        current = 1
    keep_alive(cache, current_key, keep)
    previous = cache.get(f"{prefix}:{window - 1}", 0)
    elapsed = now - window * period_seconds
    overlap = 1 - elapsed / period_seconds
    estimated = current + previous * overlap
    if estimated <= limit:
        return RateDecision(True, 0, limit, max(0, math.floor(limit - estimated)))
    # A refused request is not counted, so a client that retries too early is not pushed
    # further back, and Retry-After stays true.
    cache.decr(current_key)
    keep_alive(cache, current_key, keep)
    return RateDecision(
        False, seconds_to_wait(current - 1, previous, limit, elapsed, period_seconds), limit, 0
    )


def seconds_to_wait(current: int, previous: int, limit: int, elapsed: float, period: int) -> int:
    """Return when one more request fits, given `current` counted so far in this window."""
    if current < limit and previous > 0:
        # The previous window's weight must shrink until current + 1 + previous·overlap ≤ limit.
        overlap_allowed = (limit - current - 1) / previous
        wait = period * (1 - overlap_allowed) - elapsed
    else:
        # This window is full: wait for the next one, then for this window's weight to fall.
        wait = period - elapsed + max(0.0, period * (1 - (limit - 1) / max(current, 1)))
    return max(1, math.ceil(wait))


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES) or "json" in request.headers.get("Accept", "")


def too_many_requests(request: HttpRequest, decision: RateDecision) -> HttpResponse:
    """Answer 429 with Retry-After: JSON for API clients, a short page for people."""
    if wants_json(request):
        body = {
            "code": "too_many_requests",
            "error": True,
            "message": (
                f"Rate limit of {decision.limit} requests exceeded; "
                f"retry after {decision.retry_after} seconds."
            ),
            "retry_after": decision.retry_after,
        }
        response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    else:
        html = render_to_string(
            "accounts/too_many_requests.html", {"retry_after": decision.retry_after}, request
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def rate_limited(
    scope: str,
    limit: int | Callable[[HttpRequest], int],
    period: int,
    key_func: Callable[[HttpRequest], str | None] | None = None,
    *,
    methods: tuple[str, ...] | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Refuse a view's requests beyond `limit` per `period` seconds with 429 + Retry-After.

    `limit` may be a function of the request (app tokens get more); `key_func` chooses whom
    to count (default: the IP address); `methods`, when given, limits only those methods
    (a form's POST, not its GET).
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if methods is None or request.method in methods:
                allowed = limit(request) if callable(limit) else limit
                key = key_func(request) if key_func is not None else None
                decision = check_rate(request, scope, allowed, period, key)
                if not decision.allowed:
                    return too_many_requests(request, decision)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
