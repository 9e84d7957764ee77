"""`staff_required`: the one gate every staff view goes through (docs/security.md)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt

from citystat.accounts.audit import record
from citystat.accounts.models import AuditEntry
from citystat.accounts.permissions import ANY_STAFF, PUBLIC
from citystat.accounts.roles import is_staff_member, requires_two_factor

logger = logging.getLogger("citystat.security")

View = Callable[..., HttpResponseBase]


def refuse(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    """Log, audit and answer a refused staff request without changing anything."""
    logger.warning("refused %s %s for %s: %s", request.method, request.path, request.user, reason)
    if request.user.is_authenticated:
        record(AuditEntry.Action.REFUSED, object_repr=f"{request.method} {request.path}"[:200])
    return render(request, "staff/refused.html", {"reason": reason}, status=status)


def is_verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def staff_required(
    permission: str = ANY_STAFF,
    *,
    scoped: Callable[..., Any] | None = None,
) -> Callable[[View], View]:
    """Let a view run only for staff holding `permission` (on the object `scoped` returns).

    `scoped(request, **url_kwargs)` returns the object the request acts on (or raises
    Http404); the department scope then decides. Anonymous visitors go to the sign-in
    page; staff whose role requires two-factor sign-in go to it first.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_member(user):
                return refuse(request, "Your account has no staff role.")
            if requires_two_factor(user) and not is_verified(request):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"/staff/two-factor/?{query}")
            if permission != ANY_STAFF and not user.has_perm(permission):
                return refuse(request, "Your role does not allow this.")
            if scoped is not None:
                target = scoped(request, *args, **kwargs)
                if not user.has_perm(permission, target):
                    return refuse(request, "This belongs to a department you do not work for.")
            return view(request, *args, **kwargs)

        wrapper.staff_permission = permission  # type: ignore[attr-defined]
        wrapper.staff_scoped = scoped is not None  # type: ignore[attr-defined]
        return wrapper

    return decorate


def embeddable(view: View) -> View:
    """Let other sites frame this public view (an embed page); every other page says no.

    The site-wide policy is `frame-ancestors 'none'` and `X-Frame-Options: DENY`
    (settings.py); this lifts both for the one view, so a chart can sit in a council
    member's page while the staff pages can never be framed for clickjacking.
    """
    framed = csp_replace({"frame-ancestors": ["*"]})(xframe_options_exempt(view))
    return framed


def staff_public(view: View) -> View:
    """Mark a view under /staff/ as open to everyone (sign-in, password reset)."""
    view.staff_permission = PUBLIC  # type: ignore[attr-defined]
    view.staff_scoped = False  # type: ignore[attr-defined]
    return view
