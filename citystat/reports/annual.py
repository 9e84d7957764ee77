"""The annual performance report (WeasyPrint): a cover, a contents page with page
numbers, then each goal's measures with chart, figures, values and narrative.

The contents page numbers come from CSS (`target-counter`) and the headings become PDF
bookmarks, so both follow the layout whatever the number of measures. Charts are the
measure page's spec drawn as SVG (citystat/lib/charts.py, cached by the spec's hash) and
handed to WeasyPrint as images from memory, as the briefing book does (pdf_charts in
citystat/meetings/briefing.py): an inline SVG's elements would go through the HTML parser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML, Document, default_url_fetcher

from citystat.lib.charts import ChartError, render_svg
from citystat.plan import display
from citystat.plan.charts import measure_chart
from citystat.plan.models import Goal
from citystat.plan.templatetags.plan_periods import period_name
from citystat.reports.content import Report, ReportMeasure, trend_text
from citystat.reports.deck import fact_lines
from citystat.reports.workbook import cover_lines, empty_text, status_text

logger = logging.getLogger(__name__)

CHART_SCHEME = "citystat-report-chart:"


@dataclass
class AnnualMeasure:
    item: ReportMeasure
    anchor: str
    facts: list[tuple[str, str]]
    rows: list[dict[str, str]]
    chart_src: str


def chart_svg(item: ReportMeasure) -> bytes | None:
    try:
        svg = render_svg(measure_chart(item.measure, values=item.chart_values))
    except (ChartError, ValueError) as error:
        logger.warning("annual report chart for %s failed: %s", item.measure.slug, error)
        return None
    return svg.encode("utf-8")


def value_rows(item: ReportMeasure) -> list[dict[str, str]]:
    unit = item.measure.unit
    rows = []
    for value in item.values:
        text = display.value_text(value.value, unit)
        spread = display.interval(value.ci_lower, value.ci_upper, unit)
        rows.append(
            {
                "period": period_name(value.period),
                "value": f"{text} ({spread})" if spread else text,
                "target": display.target_text(value.target, unit),
                "status": status_text(value.status, value.is_partial),
            }
        )
    return rows


def annual_context(report: Report) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return the template's context and the chart images it refers to by URL."""
    images: dict[str, bytes] = {}
    goals: list[tuple[Goal, list[AnnualMeasure]]] = []
    for index, item in enumerate(report.measures, start=1):
        svg = chart_svg(item)
        src = ""
        if svg is not None:
            src = f"{CHART_SCHEME}{index}.svg"
            images[src] = svg
        entry = AnnualMeasure(item, f"measure-{index}", fact_lines(item), value_rows(item), src)
        if not goals or goals[-1][0].pk != item.goal.pk:
            goals.append((item.goal, []))
        goals[-1][1].append(entry)
    context = {
        "report": report,
        "cover": cover_lines(report),
        "empty": empty_text(report) if report.is_empty else "",
        "goals": goals,
        "trend_text": trend_text,
        "language": translation.get_language(),
    }
    return context, images


def render_annual_html(report: Report) -> tuple[str, dict[str, bytes]]:
    context, images = annual_context(report)
    return render_to_string("reports/annual.html", context), images


def annual_document(report: Report) -> Document:
    """Return the report laid out in pages by WeasyPrint (its bookmarks, then its PDF)."""
    html, images = render_annual_html(report)

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if url.startswith(CHART_SCHEME):
            if url not in images:
                raise ValueError(f"No chart {url} in this report.")
            return {"string": images[url], "mime_type": "image/svg+xml"}
        return dict(default_url_fetcher(url, *args, **kwargs))

    return HTML(string=html, base_url="http://localhost/", url_fetcher=fetch).render()


def build_annual_pdf(report: Report) -> bytes:
    """Return the report as a PDF, in the active language."""
    pdf: bytes = annual_document(report).write_pdf()
    return pdf
