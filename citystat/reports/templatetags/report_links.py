"""`{% export_links "area" area.slug %}`: the public download links of a plan page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from citystat.plan.models import Measure, Plan
from citystat.reports.scopes import fiscal_years

register = template.Library()


@register.inclusion_tag("reports/_export_links.html")
def export_links(kind: str, slug: str) -> dict[str, Any]:
    """Return the context of the download form for the current plan's `kind` `slug`."""
    plan = Plan.current()
    measures = Measure.objects.filter(is_public=True, objective__goal__priority_area__plan=plan)
    if kind == "area":
        measures = measures.filter(objective__goal__priority_area__slug=slug)
    elif kind == "goal":
        measures = measures.filter(objective__goal__slug=slug)
    return {
        "kind": kind,
        "slug": slug,
        "plan": plan,
        "years": fiscal_years(plan) if plan else [],
        "is_empty": not measures.exists(),
        "language": translation.get_language(),
        "formats": [("xlsx", "Excel"), ("pptx", "PowerPoint"), ("pdf", "PDF")],
    }
