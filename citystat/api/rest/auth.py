"""DRF's side of API tokens and limits: authentication, throttling, write permission."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from citystat.accounts.models import ApiToken
from citystat.api.limits import InvalidToken, api_client, api_rate


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (or Socrata's `X-App-Token: <key>`) names a staff token."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        try:
            token = api_client(request._request)
        except InvalidToken:
            raise exceptions.AuthenticationFailed(
                "The API token is unknown, revoked or expired."
            ) from None
        if token is None:
            return None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="citystat"'


class ApiRateThrottle(BaseThrottle):
    """The site's API limit: CITYSTAT_API_RATE_ANON per IP, CITYSTAT_API_RATE_TOKEN per token."""

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        self.decision = api_rate(request._request, token)
        return self.decision.allowed

    def wait(self) -> float | None:
        return float(self.decision.retry_after)


class ReadOrTokenWrite(permissions.BasePermission):
    """Anyone reads; writing needs a write-scoped token whose owner holds the permission.

    Views name the permission a write needs in `write_permission` (a dict by method, or a
    string); the object-level check passes the object to `user.has_perm`, where the
    department scope (citystat/accounts/backends.py) decides.
    """

    message = (
        "Writing needs an API token with the write scope, issued by staff who may make this change."
    )

    def needed(self, request: Request, view: Any) -> str | None:
        wanted = getattr(view, "write_permission", None)
        if isinstance(wanted, dict):
            return wanted.get(request.method)
        return wanted

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        if not isinstance(token, ApiToken) or token.scope != ApiToken.Scope.WRITE:
            return False
        needed = self.needed(request, view)
        return bool(needed) and request.user.has_perm(needed)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        needed = self.needed(request, view)
        return bool(needed) and request.user.has_perm(needed, obj)


# drf-spectacular's extension base registers subclasses in an untyped __init_subclass__.
class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describe the token header in the OpenAPI document (/api/schema)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`, a key staff issue at /staff/api-tokens/. Socrata's "
                "`X-App-Token: <key>` header is read too. Reads need no token."
            ),
        }
