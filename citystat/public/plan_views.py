"""Public pages of the plan: priority areas, goals, measures, downloads, embeds, cards.

Thin views over citystat/public/plan_pages.py. The pages read stored values only and keep
their rendered bodies in the cache under the plan's revision (plan/revision.py), so they
serve in milliseconds whatever the size of the city's data (docs/public-site.md, Speed),
and citystat/public/warm.py renders them again as soon as the plan changes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from citystat.city.maps import UnknownLayer, choropleth, layer_for_breakdown
from citystat.city.translations import localized
from citystat.lib.charts import ChartError, inline_svg, render_png
from citystat.lib.csv_safety import KEEP_FORMULAS, safe_cell
from citystat.plan import display, revision
from citystat.plan.breakdowns import breakdown_label
from citystat.plan.charts import measure_chart, value_format
from citystat.plan.models import Goal, Measure, Plan, PriorityArea
from citystat.plan.outlook import outlook
from citystat.plan.status import status_for
from citystat.public import plan_pages as pages
from citystat.public.goal_page import goal_page


def not_found(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """A 404 that says what was not found and offers the closest pages."""
    labels = {
        "measure": _("measure"),
        "goal": _("goal"),
        "priority": _("priority area"),
    }
    return render(
        request,
        "public/not_found.html",
        {
            "kind": labels[kind],
            "slug": slug[:100],
            "suggestions": pages.close_matches(slug, kind),
        },
        status=404,
    )


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


@require_safe
def headline_measures(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body = (
        headlines_body(plan)
        if plan is not None
        else render_to_string("public/_headline_list_body.html", {"headlines": []})
    )
    return render(request, "public/headline_measures.html", {"plan": plan, "body": body})


@require_safe
def priority_areas(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body = (
        areas_body(plan)
        if plan is not None
        else render_to_string("public/_priority_list_body.html", {"summaries": []})
    )
    return render(request, "public/priority_list.html", {"plan": plan, "body": body})


@require_safe
def priority_area(request: HttpRequest, slug: str) -> HttpResponse:
    area = pages.find_area(slug)
    if area is None:
        return not_found(request, slug, "priority")
    return render(request, "public/priority.html", {"area": area, "body": area_body(area)})


@require_safe
def goal(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find_goal(slug)
    if found is None:
        return not_found(request, slug, "goal")
    return render(request, "public/goal.html", {"goal": found, "body": goal_body(found)})


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


@require_safe
def measure(request: HttpRequest, slug: str) -> HttpResponse:
    found = measure_page(slug)
    if found is None:
        return not_found(request, slug, "measure")
    return render(
        request,
        "public/measure.html",
        {
            "measure": found,
            "body": mark_safe(found.body),  # noqa: S308 — rendered by our own autoescaping template
            "card_url": request.build_absolute_uri(f"{found.url}card.png"),
            "page_url": request.build_absolute_uri(found.url),
            "embed_url": request.build_absolute_uri(f"/embed/measures/{found.slug}/"),
        },
    )


@require_safe
def measure_values(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    found = pages.find_measure(slug)
    if found is None:
        return not_found(request, slug, "measure")
    rows = pages.download_rows(found)
    if fmt == "json":
        # Beside each number, the text the measure page shows for it, in the request's
        # language (plan/display.py): the CSV stays numbers only, for spreadsheets.
        shown = [{**row, "value_text": pages.table_row(found, row)["value_text"]} for row in rows]
        response: HttpResponse = JsonResponse(
            {
                "measure": found.slug,
                "title": localized(found, "title").text,
                "unit": found.unit,
                "values": shown,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # Breakdown values come from loaded data: escaped for spreadsheets unless the
        # caller asks for them exactly as stored (lib/csv_safety.py, docs/public-site.md).
        keep = request.GET.get("formulas") == KEEP_FORMULAS
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=pages.DOWNLOAD_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            rows if keep else ({k: safe_cell(v) for k, v in row.items()} for row in rows)
        )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{found.slug}.csv"'
    return response


@require_safe
def measure_card_png(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find_measure(slug)
    if found is None:
        return not_found(request, slug, "measure")
    spec = measure_chart(found)
    spec["title"] = {"text": localized(found, "title").text, "fontSize": 28, "anchor": "start"}
    try:
        png = render_png(spec)
    except ChartError:
        return HttpResponse(status=404)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]
def measure_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """A measure card meant to be framed by other sites: the only framable pages."""
    found = measure_page(slug, "embed")
    if found is None:
        return not_found(request, slug, "measure")
    return render(
        request,
        "public/embed_measure.html",
        {
            "measure": found,
            "body": mark_safe(found.body),  # noqa: S308 — rendered by our own autoescaping template
            "page_url": request.build_absolute_uri(found.url),
        },
    )
