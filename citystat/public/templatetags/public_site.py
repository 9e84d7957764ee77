"""Template tags for the public site's shell (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citystat.lib.charts import ChartError, inline_svg
from citystat.meetings.models import Meeting
from citystat.plan.charts import sparkline
from citystat.plan.models import Goal, Measure, Plan, Status
from citystat.plan.templatetags.plan_periods import fiscal_year_name

register = template.Library()

# The primary navigation, by URL name: every public section, so that a resident reaches
# each from every page (issue #20). A section appears once its page exists, so the site
# never links to a page that is not there yet (templates/_primary_nav.html). The extra
# prefixes mark the section of pages below it ("/goals/…" is part of the plan).
PRIMARY_NAV: list[tuple[str, Any, tuple[str, ...]]] = [
    ("home", _("Home"), ()),
    ("priority-areas", _("The plan"), ("/goals/", "/measures/", "/headline-measures/")),
    ("neighborhoods", _("Neighborhoods and districts"), ("/districts/",)),
    ("near-me", _("Near me"), ()),
    ("services", _("Services"), ()),
    ("budget", _("Budget"), ()),
    ("surveys", _("Surveys"), ()),
    ("meetings:calendar", _("Meetings"), ()),
    ("engagement:questions", _("Questions"), ()),
    ("engagement:updates", _("Updates"), ()),
    ("engagement:pick", _("Pick your priorities"), ("/priorities/pick/",)),
    ("datasets", _("Data"), ()),
    ("compare", _("How we compare"), ()),
    ("how-we-measure", _("How we measure"), ()),
]


def nav_items(current_path: str) -> list[dict[str, Any]]:
    """Return the primary navigation links whose pages exist, marking the current one.

    The current section is the one whose URL (or extra prefix) is the longest start of
    the path: /priorities/pick/ belongs to "Pick your priorities", not to the plan.
    """
    items = []
    for url_name, label, prefixes in PRIMARY_NAV:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        starts = [url, *prefixes] if url != "/" else []
        matched = max((len(s) for s in starts if current_path.startswith(s)), default=0)
        if url == "/" and current_path == "/":
            matched = 1
        items.append({"url": url, "label": label, "matched": matched})
    best = max((item["matched"] for item in items), default=0)
    for item in items:
        item["is_current"] = best > 0 and item.pop("matched") == best
    return items


@register.inclusion_tag("_primary_nav.html", takes_context=True)
def primary_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    return {"items": nav_items(request.path if request else "")}


@register.simple_tag
def plan_period(plan: Plan) -> str:
    """Return the plan's fiscal years as residents read them: "FY2025–FY2029"."""
    if plan.first_fiscal_year == plan.last_fiscal_year:
        return fiscal_year_name(plan.first_fiscal_year)
    return f"{fiscal_year_name(plan.first_fiscal_year)}–{fiscal_year_name(plan.last_fiscal_year)}"


@register.simple_tag
def measure_sparkline(measure: Measure) -> str:
    """Return the measure's sparkline as inline SVG (drawn on the server, cached)."""
    try:
        svg = inline_svg(sparkline(measure), gettext("Recent trend"), width=120)
    except ChartError:
        return ""
    return mark_safe(f'<span class="sparkline">{svg}</span>')  # noqa: S308 — vl-convert output


@register.filter
def status_text(status: Status) -> str:
    """Return a status's label in the visitor's language ("On track", "En camino")."""
    # Here, not at the top: plan_pages brings the compute engine's Ibis, which a process
    # that only renders a template (a staff page, an email) need not load.
    from citystat.public.plan_pages import status_label  # noqa: PLC0415  # heavy: Ibis

    return status_label(status)


@register.simple_tag(takes_context=True)
def report_problem_url(context: template.Context) -> str:
    """Return the question form's address, preselecting the page the reader is on.

    A measure, goal or meeting page also preselects what it is about, so the question
    reaches the staff who own it (engagement/views/public.py: subjects_from).
    """
    # The cached measure page's parts; not at the top, as status_text says.
    from citystat.public.plan_bodies import MeasurePage  # noqa: PLC0415  # heavy: Ibis

    request = context.get("request")
    query: dict[str, str | int] = {}
    if request is not None:
        query["page"] = request.path
    measure, goal, meeting = context.get("measure"), context.get("goal"), context.get("meeting")
    if isinstance(measure, (Measure, MeasurePage)):
        query["measure"] = measure.slug
    elif isinstance(goal, Goal):
        query["goal"] = goal.pk
    elif isinstance(meeting, Meeting):
        query["meeting"] = meeting.pk
    return f"{reverse('engagement:ask')}?{urlencode(query)}"
