"""The plan pages' bodies, rendered once per plan revision, and the home page's parts.

The pages read stored values only and keep their rendered bodies in the cache under the
plan's revision (plan/revision.py), so they serve in milliseconds whatever the size of
the city's data (docs/public-site.md, Speed); citystat/public/warm.py renders them again
as soon as the plan changes. The views that show them are in citystat/public/views/plan.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from citystat.catalog.models import DatasetVersion
from citystat.city.maps import UnknownLayer, choropleth, layer_for_breakdown
from citystat.city.translations import localized
from citystat.engagement.models import Update
from citystat.lib.charts import ChartError, inline_svg
from citystat.plan import display, revision
from citystat.plan.breakdowns import breakdown_label
from citystat.plan.charts import measure_chart, value_format
from citystat.plan.models import Goal, Measure, Plan, PriorityArea
from citystat.plan.outlook import outlook
from citystat.plan.status import status_for
from citystat.public import plan_pages as pages
from citystat.public.goal_page import goal_page

logger = logging.getLogger(__name__)


def safe_svg(spec: dict[str, Any], title: str) -> str:
    """Return the chart as inline SVG, or "" if it cannot be drawn (the table remains)."""
    try:
        return mark_safe(inline_svg(spec, title))  # noqa: S308 — vl-convert escapes text
    except ChartError:
        return ""


def headlines_body(plan: Plan) -> str:
    return pages.cached_html(
        f"headlines:{plan.pk}",
        "public/_headline_list_body.html",
        lambda: {"headlines": pages.headline_cards(plan, limit=None)},
    )


def areas_body(plan: Plan) -> str:
    return pages.cached_html(
        f"areas:{plan.pk}",
        "public/_priority_list_body.html",
        lambda: {
            "summaries": [
                pages.area_summary(area)
                for area in plan.priority_areas.order_by("position", "title")
            ]
        },
    )


def area_body(area: PriorityArea) -> str:
    return pages.cached_html(
        f"area:{area.pk}",
        "public/_priority_body.html",
        lambda: {"summary": pages.area_summary(area)},
    )


def goal_body(found: Goal) -> str:
    return pages.cached_html(
        f"goal:{found.pk}",
        "public/_goal_body.html",
        lambda: {"page": goal_page(found), "area": found.priority_area},
    )


def measure_context(measure: Measure) -> dict[str, Any]:
    """Return everything the measure page body shows."""
    judged = status_for(measure)
    values = pages.download_rows(measure)
    overall = [row for row in values if not row["breakdown"] and row["value"] is not None]
    spec = measure_chart(measure)
    context: dict[str, Any] = {
        "measure": measure,
        "goal": measure.objective.goal,
        "area": measure.objective.goal.priority_area,
        "judged": judged,
        "status_label": pages.status_label(judged.status),
        "status_css": pages.STATUS_CSS[judged.status],
        "status_rule": pages.status_rule(measure, judged),
        "latest_text": (
            display.value_text(judged.value.value, measure.unit)
            if judged.value and judged.value.value is not None
            else ""
        ),
        "has_data": bool(overall),
        "no_data_reason": "" if overall else pages.no_data_reason(measure),
        "chart_spec": spec,
        "chart_svg": safe_svg(spec, localized(measure, "title").text) if overall else "",
        "table_rows": [pages.table_row(measure, row) for row in overall],
        "outlook": outlook(measure) if overall else None,
        "narrative": measure.narratives.approved().order_by("-period").first(),
        "strategies": list(measure.strategies.order_by("position", "title")),
        "target_changes": pages.target_changes(measure),
        "targets": list(measure.targets.order_by("fiscal_year")),
        "dataset": pages.public_dataset(measure),
        "breakdowns": [],
    }
    for field_name in pages.breakdown_fields(measure):
        context["breakdowns"].append(breakdown_context(measure, field_name))
    return context


def breakdown_context(measure: Measure, field_name: str) -> dict[str, Any]:
    period, ranked = pages.latest_breakdown(measure, field_name)
    label = breakdown_label(field_name)
    section: dict[str, Any] = {
        "field": field_name,
        "label": label,
        "period": period,
        "ranked": ranked,
        "map_spec": None,
        "map_svg": "",
        "equity": [],
    }
    layer = layer_for_breakdown(field_name)
    if layer is not None and ranked:
        try:
            spec = choropleth(
                layer,
                {area.name: area.value for area in ranked},
                title=localized(measure, "title").text,
                value_format=value_format(measure),
            )
        except UnknownLayer:
            spec = None
        if spec is not None:
            section["map_spec"] = spec
            section["map_svg"] = safe_svg(
                spec,
                _("Map of %(m)s by %(f)s") % {"m": localized(measure, "title").text, "f": label},
            )
    equity = pages.equity_rows(measure, field_name)
    if len(equity) >= 2:
        spec = pages.equity_chart(measure, equity)
        section["equity"] = equity[::-1]
        section["equity_spec"] = spec
        section["equity_svg"] = safe_svg(spec, _("Gap between areas over time"))
    return section


@dataclass(frozen=True)
class MeasurePage:
    """What a measure page shows around its body (title, links), with the body itself:
    cached whole, so a page served from the cache costs no query of the plan's rows."""

    pk: int
    slug: str
    title: str
    definition: str
    url: str
    body: str


# The two page kinds a public measure has: its page and its card for other sites.
MEASURE_BODIES = {"measure": "public/_measure_body.html", "embed": "public/_embed_body.html"}


def measure_page(slug: str, kind: str = "measure") -> MeasurePage | None:
    """Return public measure `slug`'s page parts, rendered at most once per revision, or
    None if residents have no such measure (not cached: it is read anew each time)."""

    def build() -> MeasurePage | None:
        found = pages.find_measure(slug)
        if found is None:
            return None
        return MeasurePage(
            pk=found.pk,
            slug=found.slug,
            title=localized(found, "title").text,
            definition=localized(found, "definition").text,
            url=found.get_absolute_url(),
            body=render_to_string(MEASURE_BODIES[kind], measure_context(found)),
        )

    return revision.cached_by_revision(f"{kind}:{slug[:100]}", build)


# The home page's parts, beside its plan fragment (plan_pages.home_fragment).
def linkable(items: list[Update]) -> list[dict[str, Any]]:
    """Return items with their URL, leaving out any whose URL cannot be built: one bad
    record in another app must not take the home page down."""
    found = []
    for item in items:
        try:
            url = item.get_absolute_url()
        except NoReverseMatch:
            logger.warning("home page: no URL for %r; left out", item)
            continue
        found.append(
            # `item` for its text in the reader's language (city_languages `localized`).
            {"title": item.title, "item": item, "url": url, "published_at": item.published_at}
        )
    return found


def data_last_updated() -> dt.datetime | None:
    """Return when the newest dataset version was published, for the footer."""
    latest = DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).order_by(
        "-finished_at"
    )
    return latest.values_list("finished_at", flat=True).first()
