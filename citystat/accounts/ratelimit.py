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
    # What the limit counts: requests, or rows for SODA answers (citystat/api/limits.py).
    unit: str = "requests"


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
    *,
    cost: int = 1,
    unit: str = "requests",
) -> RateDecision:
    """Count this request against `limit` per `period_seconds` for `key` in `scope`.

    `key` defaults to the visitor's IP address (trusting only known proxies). A request
    whose IP cannot be read is counted under one shared key, so it is limited, not exempt.
    `cost` is what the request counts for (1 request, or a number of rows).
    """
    if limit < 1 or period_seconds < 1 or cost < 1:
        raise ValueError("limit, period_seconds and cost must all be at least 1")
    now = time.time()
    cache, current_key, keep, current = add_to_window(
        request, scope, period_seconds, key, cost, now
    )
    prefix, _, window_text = current_key.rpartition(":")
    window = int(window_text)
    previous = cache.get(f"{prefix}:{window - 1}", 0)
    elapsed = now - window * period_seconds
    overlap = 1 - elapsed / period_seconds
    estimated = current + previous * overlap
    if estimated <= limit:
        return RateDecision(True, 0, limit, max(0, math.floor(limit - estimated)), unit)
    # A refused request is not counted, so a client that retries too early is not pushed
    # further back, and Retry-After stays true.
    cache.decr(current_key, cost)
    keep_alive(cache, current_key, keep)
    wait = seconds_to_wait(current - cost, previous, limit, elapsed, period_seconds, cost)
    return RateDecision(False, wait, limit, 0, unit)


def add_to_window(
    request: HttpRequest,
    scope: str,
    period_seconds: int,
    key: str | None,
    amount: int,
    now: float | None = None,
) -> tuple[BaseCache, str, int, int]:
    """Add `amount` to the caller's count in the window of `now`; return the cache, the
    window's key, its lifetime and the new count."""
    who = key if key is not None else (client_ip(request) or "unknown")
    cache = caches[CACHE_ALIAS]
    window = int((time.time() if now is None else now) // period_seconds)
    current_key = f"rl:{scope}:{period_seconds}:{who}:{window}"
    # Two windows must survive: the current one and the one the next window looks back at.
    keep = 2 * period_seconds + 1
    if type(cache).incr is BaseCache.incr:
        # The database cache's incr is itself a read and a write, which then needs a touch
        # for the lifetime it loses: one read and one write with the lifetime do the same
        # with a third of the statements and commits (every SODA answer counts three times).
        current = int(cache.get(current_key, 0)) + amount
        cache.set(current_key, current, timeout=keep)
        return cache, current_key, keep, current
    cache.add(current_key, 0, timeout=keep)
    try:
        current = cache.incr(current_key, amount)
    except ValueError:
        # The entry expired between add and incr (a clock edge); start it again.
        cache.set(current_key, amount, timeout=keep)
        current = amount
    return cache, current_key, keep, current


def charge(
    request: HttpRequest, scope: str, period_seconds: int, key: str | None, amount: int
) -> None:
    """Count `amount` more against the caller without refusing anything.

    For a cost known only once the work is done (the rows an answer holds): the answer
    already computed is sent, and the caller's next request meets the higher count.
    """
    if amount > 0:
        add_to_window(request, scope, period_seconds, key, amount)


def seconds_to_wait(
    current: int, previous: int, limit: int, elapsed: float, period: int, cost: int = 1
) -> int:
    """Return when `cost` more fits, given `current` counted so far in this window."""
    if current + cost <= limit and previous > 0:
        # The previous window's weight must shrink until current + cost + previous·overlap
        # ≤ limit.
        overlap_allowed = (limit - current - cost) / previous
        wait = period * (1 - overlap_allowed) - elapsed
    else:
        # This window is full: wait for the next one, then for this window's weight to fall.
        wait = period - elapsed + max(0.0, period * (1 - (limit - cost) / max(current, 1)))
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
                f"Rate limit of {decision.limit} {decision.unit} exceeded; "
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
