"""Whole public pages from the site cache, for readers who are not signed in.

A warm public page is the same bytes for every anonymous reader of the same URL, in the
same language, on the same host: rendering `base.html` and the page around its cached
body, the nav, the next meeting and the footer on every request cost most of its time
(docs/public-site.md, "Speed"). This middleware keeps the finished response, behind the
one helper every cached page uses, `plan.revision.cached_by_revision`, so an entry is
never read again once any of these change:

- the plan's revision (plan rows, computed values, published datasets, city profile);
- the content stamp (`revision.content()`): any other row written to the app database,
  meetings, updates, questions, surveys, boundaries, peers alike;
- the day, the reader's language, the host and scheme, the path and query string.

What changes with time alone (a meeting that has ended, an update published at a set
time) shows within CITYSTAT_PAGE_CACHE_SECONDS, twice that at most: a kept page older
than that is rendered again by one request of the whole site while the others keep
getting it (`cached_by_revision(..., fresh_for=)`), so the moment a page turns old
costs one render, not one per worker with every reader queued behind them.

It answers only GET requests for the page views in `CACHED_VIEWS`, from readers with no
session or messages cookie, no Authorization header and no `HX-Request` header (htmx
asks the same URL for a part of the page) (signed-in staff always have a
session: their pages carry their own names and links). A response is kept only when it
is a 200 with no Set-Cookie, holds no CSRF token, left the session untouched, was not
marked private or no-store, and is under MAX_BYTES.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver
from django.utils.cache import patch_vary_headers

from citystat.plan import revision

# The views whose pages are the same for every anonymous reader of a URL. A view that
# reads a cookie, the session or the user for its content does not belong here.
CACHED_VIEWS = frozenset(
    {
        "citystat.public.views.plan.home",
        "citystat.public.views.plan.priority_areas",
        "citystat.public.views.plan.headline_measures",
        "citystat.public.views.plan.priority_area",
        "citystat.public.views.plan.goal",
        "citystat.public.views.plan.measure",
        "citystat.public.views.about.accessibility",
        "citystat.public.views.about.glossary",
        "citystat.public.views.places.neighborhood_list",
        "citystat.public.views.places.place_page",
        "citystat.public.views.places.near_me",
        "citystat.public.views.search.search_page",
        "citystat.public.views.method.how_we_measure",
        "citystat.catalog.views.public.dataset_list",
        "citystat.api.dataset_pages.dataset_page",
        "citystat.engagement.views.public.updates",
        "citystat.engagement.views.public.update",
        "citystat.engagement.views.public.answered_questions",
        "citystat.engagement.views.public.question",
        "citystat.meetings.views.public.calendar",
        "citystat.meetings.views.public.meeting_page",
        "citystat.surveys.views.survey_list",
        "citystat.surveys.views.survey_detail",
        "citystat.surveys.views.service_list",
        "citystat.surveys.views.service_detail",
        "citystat.surveys.views.budget_explorer",
        "citystat.peers.views.compare_list",
        "citystat.peers.views.measure_comparison",
    }
)
# Paths whose view name each process remembers (view_name).
VIEW_NAMES_MAX = 4096
# A page bigger than this is built each time rather than pushed through the shared cache.
MAX_BYTES = 2 * 1024 * 1024
# Headers the outer middleware set on every response, hit or miss: never kept.
OUTER_HEADERS = frozenset({"set-cookie", "vary", "content-language", "x-request-id"})
# What every kept page depends on besides its URL and language (the session and language
# cookies; LocaleMiddleware adds Accept-Language itself).
VARY = ("Cookie",)

Entry = tuple[int, bytes, list[tuple[str, str]]]


def view_name(request: HttpRequest) -> str | None:
    """Return the dotted name of the view that would answer `request`, or None.

    This middleware answers before Django resolves the URL (and Django's handler resolves
    again whatever it is handed), so the name is remembered per URLconf and path: a
    public GET then costs one resolve of its path per process, not two per request.
    """
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _view_name(urlconf, request.path_info)


# Bounded: paths come from readers, and every distinct one would otherwise stay.
@functools.lru_cache(maxsize=VIEW_NAMES_MAX)
def _view_name(urlconf: str, path: str) -> str | None:
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    func = match.func
    # Feeds and other class-based views are instances, with no __name__ of their own.
    return f"{func.__module__}.{getattr(func, '__name__', type(func).__name__)}"


def forget_view_names(setting: str = "ROOT_URLCONF", **kwargs: Any) -> None:
    """Drop the remembered view names (when the URLconf changes: `setting_changed`)."""
    if setting == "ROOT_URLCONF":
        _view_name.cache_clear()


setting_changed.connect(forget_view_names, dispatch_uid="page-cache-view-names")


def cacheable_request(request: HttpRequest) -> bool:
    """Whether the page for `request` may come from, and go to, the shared cache."""
    if request.method != "GET" or settings.CITYSTAT_PAGE_CACHE_SECONDS <= 0:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    if "HTTP_HX_REQUEST" in request.META:
        return False  # htmx asks the same URL for a part of the page (the data explorer)
    return view_name(request) in CACHED_VIEWS


def page_key(request: HttpRequest) -> str:
    """Return the page's key under the revision helper (which adds revision, day, language)."""
    origin = f"{request.scheme}://{request.get_host()}"
    revision.read_stamps()
    return f"page:{revision.content()}:{origin}{request.get_full_path()}"


def keepable(request: HttpRequest, response: HttpResponseBase) -> Entry | None:
    """Return what to keep of `response`, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return None  # the page holds a CSRF token of this reader's own
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    control = response.get("Cache-Control", "").lower()
    if "private" in control or "no-store" in control or "no-cache" in control:
        return None
    content = response.content  # type: ignore[attr-defined]
    if len(content) > MAX_BYTES:
        return None
    headers = [(k, v) for k, v in response.items() if k.lower() not in OUTER_HEADERS]
    return (response.status_code, bytes(content), headers)


def replay(entry: Entry) -> HttpResponse:
    status, content, headers = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PublicPageCacheMiddleware:
    """Serve kept public pages before the rest of the middleware and the view run.

    Placed after SessionMiddleware and LocaleMiddleware (the language is known) and
    before everything that only a render needs (CSRF, authentication, messages, CSP and
    frame headers: those of a kept page were kept with it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not cacheable_request(request):
            return self.get_response(request)
        built: list[HttpResponseBase] = []

        def build() -> Entry | None:
            response = self.get_response(request)
            built.append(response)
            return keepable(request, response)

        # Never returned once twice that old: let the shared cache drop it then too.
        seconds = settings.CITYSTAT_PAGE_CACHE_SECONDS
        entry: Any = revision.cached_by_revision(
            page_key(request), build, timeout=2 * seconds, fresh_for=seconds
        )
        response = built[0] if built else replay(entry)
        patch_vary_headers(response, VARY)
        return response
