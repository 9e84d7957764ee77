"""The language switch in every page's footer, as a plain GET link target.

Django's own switch (`POST /i18n/setlang/`) needs a CSRF token in the form, so every page
that carried it held a token of its reader's own and could not be served from a shared
cache. Choosing the language a page is shown in changes no state of the site that CSRF
protects, only the reader's `django_language` cookie, so this switch is a GET: it sets
the cookie and returns to `next`, which must be a page of this site (anything else is
refused, never followed: an open redirect would let a link on another site send readers
anywhere through this one).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def refusal(language: str, next_url: str) -> str | None:
    """Return why the switch refuses this choice, or None when it is fine."""
    offered = dict(settings.LANGUAGES)
    if language not in offered or not check_for_language(language):
        names = ", ".join(sorted(offered))
        return _("Unknown language “%(language)s”: this site is offered in %(names)s.") % {
            "language": language[:20],
            "names": names,
        }
    if not next_url.startswith("/") or next_url.startswith("//"):
        return _("The page to return to must be a page of this site.")
    return None


@never_cache
@require_safe
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    next_url = request.GET.get("next", "/") or "/"
    problem = refusal(language, next_url)
    if problem is None and not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        problem = _("The page to return to must be a page of this site.")
    if problem is not None:
        return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
