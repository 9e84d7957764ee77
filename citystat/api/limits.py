"""Who is calling an API, and how often they may (#9: anonymous per IP, tokens higher).

Every API (SODA, CKAN, Open311 and the REST API) asks `api_client` who the caller is and
`api_rate` whether they may go on; the counting itself is the site's one rate limiter
(citystat/accounts/ratelimit.py).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from citystat.accounts.models import ApiToken
from citystat.accounts.ratelimit import (
    Rate,
    RateDecision,
    charge,
    check_rate,
    parse_rate,
    too_many_requests,
)
from citystat.accounts.tokens import KEY_PREFIX, key_from, token_for_key

SCOPE = "api"
# SODA answers are measured in rows (#18: a bulk reader paging through a dataset with
# sodapy's get_all sends hundreds of requests a minute, each one cheap).
ROWS_SCOPE = "api-rows"
# Every answer counts for at least one default page, so that many small (or costly but
# short) queries still meet the limit as they did when each request counted.
MINIMUM_ROWS = 1000
# Where a request's token is kept once looked up, so the limiter and DRF look it up once.
TOKEN_ATTRIBUTE = "_citystat_api_token"
NO_TOKEN = object()


class InvalidToken(Exception):
    """The request presents a key that is unknown, revoked or expired."""


def api_client(request: HttpRequest) -> ApiToken | None:
    """Return the live token the request presents, None without one; raise InvalidToken."""
    found = getattr(request, TOKEN_ATTRIBUTE, NO_TOKEN)
    if found is NO_TOKEN:
        key = key_from(request)
        if key and not key.startswith(KEY_PREFIX):
            # Not a key citystat issued (a Socrata app token a script carries from portal
            # to portal): served as anonymous, as Socrata serves a token it does not know
            # of, rather than refused.
            key = None
        found = token_for_key(key, request) if key else None
        if key and found is None:
            found = InvalidToken()
        setattr(request, TOKEN_ATTRIBUTE, found)
    if isinstance(found, InvalidToken):
        raise found
    return found  # type: ignore[return-value]


def api_rate(request: HttpRequest, token: ApiToken | None) -> RateDecision:
    """Count the request: per token at the token rate, else per IP at the anonymous rate."""
    if token is not None:
        rate = parse_rate(settings.CITYSTAT_API_RATE_TOKEN)
        return check_rate(request, SCOPE, rate.limit, rate.period_seconds, f"token:{token.pk}")
    rate = parse_rate(settings.CITYSTAT_API_RATE_ANON)
    return check_rate(request, SCOPE, rate.limit, rate.period_seconds)


def row_rate(token: ApiToken | None) -> Rate:
    """Return the rows per period the caller may read through SODA answers."""
    name = "CITYSTAT_API_ROWS_TOKEN" if token is not None else "CITYSTAT_API_ROWS_ANON"
    rate = parse_rate(getattr(settings, name))
    if rate.limit < MINIMUM_ROWS:
        raise ImproperlyConfigured(
            f"{name} allows {rate.limit} rows; every answer counts for at least "
            f"{MINIMUM_ROWS}, so allow at least that many."
        )
    return rate


def row_key(token: ApiToken | None) -> str | None:
    return f"token:{token.pk}" if token is not None else None


def charge_rows(request: HttpRequest, rows: int) -> None:
    """Count an answer's rows beyond the minimum its request was already counted for."""
    token = api_client(request)
    rate = row_rate(token)
    charge(request, ROWS_SCOPE, rate.period_seconds, row_key(token), rows - MINIMUM_ROWS)


def invalid_token_response() -> HttpResponse:
    body = {
        "code": "invalid_token",
        "error": True,
        "message": (
            "The API token is unknown, revoked or expired; send none to use the public limit."
        ),
    }
    response = HttpResponse(json.dumps(body), status=403, content_type="application/json")
    return response


def api_rate_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse a bad token with 403 and a caller over their limit with 429 + Retry-After."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            token = api_client(request)
        except InvalidToken:
            return invalid_token_response()
        decision = api_rate(request, token)
        if not decision.allowed:
            response = too_many_requests(request, decision)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def api_row_budget(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Limit a SODA answer by the rows the caller reads, not by how many requests ask.

    The request counts for MINIMUM_ROWS against the caller's row rate before any work is
    done (refused with 429 + Retry-After past it); the view calls `charge_rows` with the
    rows it answers. The request is also counted, never refused, under the per-request
    limit, so downloads and the catalogue still see a client that pages heavily.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            token = api_client(request)
        except InvalidToken:
            return invalid_token_response()
        rate = row_rate(token)
        decision = check_rate(
            request,
            ROWS_SCOPE,
            rate.limit,
            rate.period_seconds,
            row_key(token),
            cost=MINIMUM_ROWS,
            unit="rows",
        )
        if not decision.allowed:
            return too_many_requests(request, decision)
        requests_rate = parse_rate(
            settings.CITYSTAT_API_RATE_TOKEN if token else settings.CITYSTAT_API_RATE_ANON
        )
        charge(request, SCOPE, requests_rate.period_seconds, row_key(token), 1)
        return view(request, *args, **kwargs)

    return wrapper
