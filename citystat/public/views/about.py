"""The pages every page's footer links to: the accessibility statement, the glossary,
and the language switch.

Kept apart from method.py (how we measure): these are about the site itself, not about
the plan's numbers. The glossary's words are in citystat/public/glossary.py, what the
language switch accepts in citystat/public/language.py.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from citystat.public.glossary import GLOSSARY
from citystat.public.language import refusal


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    return render(request, "public/glossary.html", {"terms": GLOSSARY})


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    report_url = f"{reverse('engagement:ask')}?{urlencode({'page': request.path})}"
    return render(request, "public/accessibility.html", {"report_url": report_url})


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
