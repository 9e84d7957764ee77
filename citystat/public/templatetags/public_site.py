"""Template tags for the public site's shell (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from citystat.plan.templatetags.plan_periods import fiscal_year_name

register = template.Library()

# The primary navigation, by URL name. A section appears once its page exists, so the
# site never links to a page that is not there yet (templates/_primary_nav.html).
PRIMARY_NAV = [
    ("home", _("Home")),
    ("priority-areas", _("Priorities")),
    ("neighborhoods", _("Neighborhoods")),
    ("datasets", _("Data")),
    ("meetings:calendar", _("Meetings")),
]


def nav_items(current_path: str) -> list[dict[str, Any]]:
    """Return the primary navigation links whose pages exist, marking the current one."""
    items = []
    for url_name, label in PRIMARY_NAV:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        is_current = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"url": url, "label": label, "is_current": is_current})
    return items


@register.inclusion_tag("_primary_nav.html", takes_context=True)
def primary_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    return {"items": nav_items(request.path if request else "")}


@register.simple_tag
def plan_period(plan: Any) -> str:
    """Return the plan's fiscal years as residents read them: "FY2025–FY2029"."""
    if plan.first_fiscal_year == plan.last_fiscal_year:
        return fiscal_year_name(plan.first_fiscal_year)
    return f"{fiscal_year_name(plan.first_fiscal_year)}–{fiscal_year_name(plan.last_fiscal_year)}"


@register.simple_tag
def measure_sparkline(measure: Any) -> str:
    """Return the measure's sparkline as inline SVG (drawn on the server, cached)."""
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    from citystat.lib.charts import ChartError, inline_svg
    from citystat.plan.charts import sparkline

    try:
        svg = inline_svg(sparkline(measure), gettext("Recent trend"), width=120)
    except ChartError:
        return ""
    return mark_safe(f'<span class="sparkline">{svg}</span>')  # noqa: S308 — vl-convert output


@register.filter
def status_text(status: Any) -> str:
    """Return a status's label in the visitor's language ("On track", "En camino")."""
    from citystat.public.plan_pages import status_label

    return status_label(status)
