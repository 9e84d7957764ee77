"""Render the public plan pages before anyone asks for them (issue #20, "No cold first visit").

Every plan page is cached under the plan's revision (plan/revision.py), so a change to the
plan, a compute or a load makes them all new. Once such a change commits, the revision's
`after_change` hook (registered in apps.py) renders the home page, the priority and goal
pages, the headline list and every public measure page again, in each of the city's
languages, into the site cache that every web process reads. `citystat serve` does the
same at start-up (`citystat warm`), so a restart leaves no page cold either.

CITYSTAT_WARM_PAGES says how: `background` (the default: a thread, so the change that
caused it never waits), `foreground` (the change waits: commands and tests), or `off`.
A process-local cache (CITYSTAT_CACHE_URL=memory:) has nothing another process could
read, so the background kind leaves it alone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.utils import translation

from citystat.city.models import CityProfile
from citystat.plan.models import Goal, Plan

logger = logging.getLogger("citystat.public")

MODES = ("background", "foreground", "off")


@dataclass(frozen=True)
class Warmed:
    pages: int
    languages: list[str]
    seconds: float


def site_languages() -> list[str]:
    """Return the languages the city's pages are read in (the site's default first)."""
    offered = dict(settings.LANGUAGES)
    chosen = [code for code in CityProfile.current().languages or [] if code in offered]
    default = settings.LANGUAGE_CODE
    return [default, *(code for code in chosen if code != default)]


def warm_pages() -> Warmed:
    """Render every public page of the current plan that is not cached under the current
    revision; return how many pages, in which languages, in how long."""
    # Here, not at the top: this module loads at start-up (the plan revision's hook), and
    # the page modules bring the compute engine, whose Ibis no start-up may load (#23).
    from citystat.public import plan_bodies  # noqa: PLC0415  # heavy: Ibis, as said above
    from citystat.public import plan_pages as pages  # noqa: PLC0415  # heavy: Ibis

    started = time.perf_counter()
    plan = Plan.current()
    languages = site_languages()
    count = 0
    if plan is not None:
        areas = list(plan.priority_areas.order_by("position", "title"))
        goals = list(
            Goal.objects.filter(priority_area__plan=plan).select_related("priority_area__plan")
        )
        slugs = list(
            pages.public_measures()
            .filter(objective__goal__priority_area__plan=plan)
            .values_list("slug", flat=True)
        )
        for language in languages:
            with translation.override(language):
                pages.home_fragment(plan)
                plan_bodies.headlines_body(plan)
                plan_bodies.areas_body(plan)
                for area in areas:
                    plan_bodies.area_body(area)
                for goal in goals:
                    plan_bodies.goal_body(goal)
                for slug in slugs:
                    plan_bodies.measure_page(slug)
            count += 3 + len(areas) + len(goals) + len(slugs)
    return Warmed(count, languages, time.perf_counter() - started)


def mode() -> str:
    chosen = str(getattr(settings, "CITYSTAT_WARM_PAGES", "background"))
    return chosen if chosen in MODES else "background"


_lock = threading.Lock()
_running = False
_again = False


def warm_after_change() -> None:
    """Warm the pages after a committed plan change, as CITYSTAT_WARM_PAGES says.

    One warming thread per process at a time: changes that commit while it runs (a
    plan import saves many rows) make it run once more when it ends, not once each.
    """
    global _running, _again
    chosen = mode()
    if chosen == "off":
        return
    if chosen == "foreground":
        warm_pages()
        return
    if isinstance(caches["default"], LocMemCache):
        return  # a process-local cache: no other process would read what is rendered
    with _lock:
        if _running:
            _again = True
            return
        _running = True
    # The page modules (and Ibis under them) are imported here, in the calling thread,
    # before the warming thread starts: two threads importing Ibis at once can each get
    # the other's half-initialised modules ("partially initialized module 'ibis.expr.types'",
    # seen when a seed script's compute and the warming thread both imported it).
    from citystat.public import plan_bodies, plan_pages  # noqa: F401, PLC0415  # heavy: Ibis

    # Not a daemon: a command that computed (`citystat compute`) ends once its pages
    # are warm rather than cutting the warming short.
    threading.Thread(target=_warm_until_current, name="warm-pages").start()


def _warm_until_current() -> None:
    global _running, _again
    try:
        while True:
            try:
                warmed = warm_pages()
                if warmed.pages:  # a site with no plan yet has nothing to say here
                    logger.info("warmed %s pages in %.1f s", warmed.pages, warmed.seconds)
            except Exception:  # the pages are rendered on their first visit instead
                logger.exception("warming the public pages failed")
            with _lock:
                if not _again:
                    _running = False
                    return
                _again = False
    finally:
        connections.close_all()  # this thread's own connections
