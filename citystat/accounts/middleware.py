"""Refuse oversized request bodies before any view reads them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from citystat.accounts.context import client_ip

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
        from urllib.parse import urlencode

        from django.http import HttpResponseRedirect

        from citystat.accounts.decorators import is_verified
        from citystat.accounts.roles import requires_two_factor

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
