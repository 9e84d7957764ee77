"""The plan's pages for residents: home, priority areas, headline measures, goals,
measures with their downloads, cards and embeds, and the priorities ballot's results.

Thin views over plain modules: citystat/public/plan_pages.py works out what the pages
show, citystat/public/plan_bodies.py renders their bodies once per plan revision (and
citystat/public/warm.py renders them again as soon as the plan changes), and
citystat/public/priority_picks.py ranks the resident survey's priorities.
"""

from __future__ import annotations

import csv
import io

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from citystat.city.translations import localized
from citystat.engagement.models import PriorityRound
from citystat.engagement.priorities import tally
from citystat.engagement.queries import recent_updates
from citystat.lib.charts import ChartError, render_png
from citystat.lib.csv_safety import KEEP_FORMULAS, safe_cell
from citystat.meetings.queries import upcoming_meetings
from citystat.plan.charts import measure_chart
from citystat.plan.models import Plan
from citystat.public import plan_bodies as bodies
from citystat.public import plan_pages as pages
from citystat.public.priority_picks import survey_priorities


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    plan = Plan.current()
    return render(
        request,
        "public/home.html",
        {
            "plan": plan,
            "plan_body": pages.home_fragment(plan) if plan else "",
            "next_meetings": upcoming_meetings(limit=1),
            "updates": bodies.linkable(recent_updates(limit=3)),
            "last_updated": bodies.data_last_updated(),
        },
    )


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


@require_safe
def headline_measures(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body = (
        bodies.headlines_body(plan)
        if plan is not None
        else render_to_string("public/_headline_list_body.html", {"headlines": []})
    )
    return render(request, "public/headline_measures.html", {"plan": plan, "body": body})


@require_safe
def priority_areas(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body = (
        bodies.areas_body(plan)
        if plan is not None
        else render_to_string("public/_priority_list_body.html", {"summaries": []})
    )
    return render(request, "public/priority_list.html", {"plan": plan, "body": body})


@require_safe
def priority_area(request: HttpRequest, slug: str) -> HttpResponse:
    area = pages.find_area(slug)
    if area is None:
        return not_found(request, slug, "priority")
    return render(request, "public/priority.html", {"area": area, "body": bodies.area_body(area)})


@require_safe
def goal(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find_goal(slug)
    if found is None:
        return not_found(request, slug, "goal")
    return render(request, "public/goal.html", {"goal": found, "body": bodies.goal_body(found)})


@require_safe
def measure(request: HttpRequest, slug: str) -> HttpResponse:
    found = bodies.measure_page(slug)
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
    found = bodies.measure_page(slug, "embed")
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


def pick_results(request: HttpRequest) -> HttpResponse:
    priority_round = (
        PriorityRound.objects.filter(is_open=True).order_by("-opened_at", "-pk").first()
        or PriorityRound.objects.order_by("-created_at").first()
    )
    context = {
        "round": priority_round,
        "tally": tally(priority_round) if priority_round else None,
        "survey": survey_priorities(),
    }
    return render(request, "public/pick_results.html", context)
