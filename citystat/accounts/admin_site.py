"""The Django admin stays, for administrators only, behind the staff sign-in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from citystat.accounts.roles import is_administrator


def administrator_may_enter(request: HttpRequest) -> bool:
    # Imported here: start-up loads this module (AccountsConfig.ready), and the decorators
    # (with Django's auth views) load with the URLs.
    from citystat.accounts.decorators import is_verified  # noqa: PLC0415

    return is_administrator(request.user) and is_verified(request)


def staff_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    # The admin's own login form has no throttling and no second factor, so it is
    # replaced by the staff sign-in, which has both.
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    if request.user.is_authenticated:
        # Imported here, as in administrator_may_enter.
        from citystat.accounts.decorators import refuse  # noqa: PLC0415

        if not is_administrator(request.user):
            return refuse(request, "The admin is for administrators only.")
        return HttpResponseRedirect(f"/staff/two-factor/?{urlencode({'next': target})}")
    return HttpResponseRedirect(f"/staff/login/?{urlencode({'next': target})}")


def restrict_to_administrators() -> None:
    admin.site.has_permission = administrator_may_enter  # type: ignore[method-assign]
    admin.site.login = staff_sign_in  # type: ignore[method-assign,assignment]
