"""Refuse oversized request bodies before any view reads them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string

from citystat.accounts.context import client_ip
from citystat.accounts.decorators import is_verified
from citystat.accounts.roles import requires_two_factor

logger = logging.getLogger("citystat.security")


class RequestSizeLimitMiddleware:
    """Answer 413 when Content-Length exceeds CITYSTAT_MAX_UPLOAD_MB.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams files to disk
    without a total limit; this stops a request that says it is too big before the
    body is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.CITYSTAT_MAX_UPLOAD_BYTES:
            limit = settings.CITYSTAT_MAX_UPLOAD_BYTES
            ip = client_ip(request)
            logger.warning(
                "refused %s %s: body of %d bytes exceeds %d ip=%s",
                *(request.method, request.path, length, limit, ip),
            )
            limit_mb = settings.CITYSTAT_MAX_UPLOAD_BYTES // (1024 * 1024)
            body = render_to_string("staff/too_large.html", {"limit_mb": limit_mb}, request=None)
            return HttpResponse(body, status=413)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Send anyone whose role requires two-factor sign-in to it before any staff page.

    staff_required already does this for its views; this also covers staff views that use
    Django's own decorators (the catalog's) and the admin, so the rule has no gaps.
    """

    EXEMPT = ("/staff/two-factor/", "/staff/logout/", "/staff/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        path = request.path
        if (
            path.startswith(("/staff/", "/admin/"))
            and not path.startswith(self.EXEMPT)
            and request.user.is_authenticated
            and requires_two_factor(request.user)
            and not is_verified(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"/staff/two-factor/?{query}")
        return self.get_response(request)


class RefuseTamperedCookiesMiddleware:
    """Drop a session or messages cookie that is forged or altered, and log it.

    Django already ignores such cookies (an unknown session key signs nobody in; a
    messages cookie whose signature fails is not read), but silently: this says so on
    `citystat.security` with the IP and request id, and tells the browser to drop the
    cookie. Placed right after SessionMiddleware; a bad CSRF cookie is CsrfViewMiddleware's
    to refuse (citystat.accounts.views.signin.csrf_failure logs it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        dropped = [self.check_session(request), self.check_messages(request)]
        response = self.get_response(request)
        for name in dropped:
            if name:
                response.delete_cookie(name)
        return response

    def check_session(self, request: HttpRequest) -> str | None:
        name = settings.SESSION_COOKIE_NAME
        sent = request.COOKIES.get(name)
        session = getattr(request, "session", None)
        if not sent or session is None:
            return None
        session.keys()  # loads the session, which forgets a key it cannot find
        if session.session_key == sent:
            return None
        if self.is_expired_session(sent):
            return None
        log_refused_cookie(request, "session", "no such session: forged or altered")
        return name

    @staticmethod
    def is_expired_session(key: str) -> bool:
        """Say whether `key` names a real session past its time (not worth a warning)."""
        if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
            return False

        return Session.objects.filter(session_key=key[:40]).exists()

    def check_messages(self, request: HttpRequest) -> str | None:
        name = CookieStorage.cookie_name
        sent = request.COOKIES.get(name)
        # Django's own signature check (missing from the type stubs): None when it fails.
        if not sent or CookieStorage(request)._decode(sent) is not None:  # type: ignore[attr-defined]
            return None
        log_refused_cookie(request, "messages", "its signature does not match")
        # Not read by MessageMiddleware either: the request goes on as if it had none.
        del request.COOKIES[name]
        return name


def log_refused_cookie(request: HttpRequest, cookie: str, why: str) -> None:
    logger.warning(
        "refused %s cookie on %s %s: %s ip=%s request=%s",
        *(cookie, request.method, request.path, why),
        client_ip(request),
        getattr(request, "request_id", "-"),
    )


class RefuseNulBytesMiddleware:
    """Answer 400 to a path or query string holding a NUL character.

    No page or API means anything by one, and PostgreSQL refuses NUL in text values, so a
    lookup by such a slug or filter would otherwise fail as a server error there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query_values = (value for values in request.GET.lists() for value in values[1])
        keys = request.GET.keys()
        if "\x00" in request.path or any("\x00" in text for text in (*keys, *query_values)):
            return HttpResponse(
                "The address holds a NUL character, which no page accepts.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
