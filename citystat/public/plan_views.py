"""Public pages of the plan: priority areas, goals, measures, downloads, embeds, cards.

Thin views over citystat/public/plan_pages.py. Measure pages read stored values only and
keep their rendered body in the cache under a fingerprint of what they show, so they
serve in milliseconds whatever the size of the city's data (docs/public-site.md, Speed).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import OrderedDict
from typing import Any

from csp.decorators import csp_replace
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from citystat.city.maps import UnknownLayer, choropleth, layer_for_breakdown
from citystat.lib.charts import ChartError, inline_svg, render_png
from citystat.lib.csv_safety import KEEP_FORMULAS, safe_cell
from citystat.plan import display
from citystat.plan.breakdowns import breakdown_label
from citystat.plan.charts import measure_chart, value_format
from citystat.plan.models import Measure
from citystat.plan.outlook import outlook
from citystat.plan.status import status_for
from citystat.public import plan_pages as pages
from citystat.public.goal_page import goal_page

PAGE_CACHE_SECONDS = 10 * 60


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


@require_safe
def headline_measures(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body: str = render_to_string("public/_headline_list_body.html", {"headlines": []})
    if plan is not None:
        body = pages.cached_render(
            f"headlines:{plan.pk}",
            pages.plan_stamp(plan),
            "public/_headline_list_body.html",
            lambda: {"headlines": pages.headline_cards(plan, limit=None)},
        )
    return render(request, "public/headline_measures.html", {"plan": plan, "body": body})


@require_safe
def priority_areas(request: HttpRequest) -> HttpResponse:
    plan = pages.current_plan()
    body: str
    if plan is None:
        body = render_to_string("public/_priority_list_body.html", {"summaries": []})
    else:
        body = pages.cached_render(
            f"areas:{plan.pk}",
            pages.plan_stamp(plan),
            "public/_priority_list_body.html",
            lambda: {
                "summaries": [
                    pages.area_summary(area)
                    for area in plan.priority_areas.order_by("position", "title")
                ]
            },
        )
    return render(request, "public/priority_list.html", {"plan": plan, "body": body})


@require_safe
def priority_area(request: HttpRequest, slug: str) -> HttpResponse:
    area = pages.find_area(slug)
    if area is None:
        return not_found(request, slug, "priority")
    body = pages.cached_render(
        f"area:{area.pk}",
        pages.plan_stamp(area.plan),
        "public/_priority_body.html",
        lambda: {"summary": pages.area_summary(area)},
    )
    return render(request, "public/priority.html", {"area": area, "body": body})


@require_safe
def goal(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find_goal(slug)
    if found is None:
        return not_found(request, slug, "goal")
    body = pages.cached_render(
        f"goal:{found.pk}",
        pages.plan_stamp(found.priority_area.plan),
        "public/_goal_body.html",
        lambda: {"page": goal_page(found), "area": found.priority_area},
    )
    return render(request, "public/goal.html", {"goal": found, "body": body})


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
        "chart_svg": safe_svg(spec, measure.title) if overall else "",
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
                title=measure.title,
                value_format=value_format(measure),
            )
        except UnknownLayer:
            spec = None
        if spec is not None:
            section["map_spec"] = spec
            section["map_svg"] = safe_svg(
                spec, _("Map of %(m)s by %(f)s") % {"m": measure.title, "f": label}
            )
    equity = pages.equity_rows(measure, field_name)
    if len(equity) >= 2:
        spec = pages.equity_chart(measure, equity)
        section["equity"] = equity[::-1]
        section["equity_spec"] = spec
        section["equity_svg"] = safe_svg(spec, _("Gap between areas over time"))
    return section


# Rendered bodies and whole pages this process served lately. Keys carry the content's
# fingerprint, so an entry is never stale; the shared cache behind it costs a query and a
# decode of some 100 KB per hit, which this saves on the busiest pages.
LOCAL_MAX = 128
LOCAL_BODIES: OrderedDict[str, str] = OrderedDict()
LOCAL_PAGES: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]*)(")')


def remember(store: OrderedDict[str, Any], key: str, value: Any) -> None:
    store[key] = value
    while len(store) > LOCAL_MAX:
        store.popitem(last=False)


def cached_body(measure: Measure, stamp: str, template: str, key: str) -> str:
    """Render `template` with the measure's context, cached until what it shows changes."""
    cache_key = f"citystat:public:{key}:{measure.pk}:{get_language()}:{stamp}"
    body = LOCAL_BODIES.get(cache_key)
    if body is None:
        body = cache.get(cache_key)
        if body is None:
            body = render_to_string(template, measure_context(measure))
            cache.set(cache_key, body, PAGE_CACHE_SECONDS)
        remember(LOCAL_BODIES, cache_key, body)
    return mark_safe(body)  # noqa: S308 — rendered by our own autoescaping template


# How long a process trusts a measure page's fingerprint before reading it again. A
# busy page then costs no query at all; an edit shows on the page within this time.
FINGERPRINT_SECONDS = 1.0
FINGERPRINTS: dict[str, tuple[float, tuple[int, str] | None]] = {}


def fingerprint(slug: str) -> tuple[int, str] | None:
    """Return `pages.measure_fingerprint(slug)`, read at most once a FINGERPRINT_SECONDS."""
    now = time.monotonic()
    known = FINGERPRINTS.get(slug)
    if known is not None and now - known[0] < FINGERPRINT_SECONDS:
        return known[1]
    found = pages.measure_fingerprint(slug)
    if len(FINGERPRINTS) >= 4 * LOCAL_MAX:  # made-up slugs must not grow it without end
        FINGERPRINTS.clear()
    FINGERPRINTS[slug] = (now, found)
    return found


def measure_object(pk: int) -> Measure:
    return Measure.objects.select_related(
        "objective__goal__priority_area", "dataset", "department"
    ).get(pk=pk)


@require_safe
def measure(request: HttpRequest, slug: str) -> HttpResponse:
    found = fingerprint(slug)
    if found is None:
        return not_found(request, slug, "measure")
    pk, stamp = found
    # A visitor who is not signed in, without a query string, gets the same page as every
    # other such visitor but for the CSRF token of the language form: keep the page in
    # two halves around it and serve it without rendering a template.
    city = getattr(request, "city", None)
    shared = not request.GET and not request.user.is_authenticated
    page_key = (
        f"{pk}:{stamp}:{get_language()}:{request.scheme}:{request.get_host()}:"
        f"{getattr(city, 'pk', None)}:{getattr(city, 'updated_at', None)}"
    )
    if shared and page_key in LOCAL_PAGES:
        before, after = LOCAL_PAGES[page_key]
        # Kept as bytes: encoding 100 KB of text on every request costs more than the rest.
        return HttpResponse(before + get_token(request).encode() + after if after else before)
    try:
        measure = measure_object(pk)
    except Measure.DoesNotExist:
        # Deleted, or made again under the same slug, within the trusted second: read anew.
        FINGERPRINTS.pop(slug, None)
        found = fingerprint(slug)
        if found is None:
            return not_found(request, slug, "measure")
        pk, stamp = found
        measure = measure_object(pk)
    response = render(
        request,
        "public/measure.html",
        {
            "measure": measure,
            "body": cached_body(measure, stamp, "public/_measure_body.html", "measure"),
            "card_url": request.build_absolute_uri(f"{measure.get_absolute_url()}card.png"),
            "page_url": request.build_absolute_uri(measure.get_absolute_url()),
            "embed_url": request.build_absolute_uri(f"/embed/measures/{measure.slug}/"),
        },
    )
    if shared:
        html = response.content
        token = CSRF_VALUE.search(html)
        halves = (html[: token.end(1)], html[token.start(3) :]) if token else (html, b"")
        remember(LOCAL_PAGES, page_key, halves)
    return response


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
            {"measure": found.slug, "title": found.title, "unit": found.unit, "values": shown},
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
    spec["title"] = {"text": found.title, "fontSize": 28, "anchor": "start"}
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
    found = pages.measure_fingerprint(slug)
    if found is None:
        return not_found(request, slug, "measure")
    pk, stamp = found
    measure = measure_object(pk)
    return render(
        request,
        "public/embed_measure.html",
        {
            "measure": measure,
            "body": cached_body(measure, stamp, "public/_embed_body.html", "embed"),
            "page_url": request.build_absolute_uri(measure.get_absolute_url()),
        },
    )
