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
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from citystat.accounts.models import ApiToken
from citystat.accounts.ratelimit import RateDecision, check_rate, parse_rate, too_many_requests
from citystat.accounts.tokens import key_from, token_for_key

SCOPE = "api"
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
