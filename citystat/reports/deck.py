"""The council deck (python-pptx): a title slide, then one slide per measure with its
chart, latest value, target, status, trend and narrative.

The chart is the measure page's own Vega-Lite spec (plan/charts.py) drawn as a PNG by
citystat/lib/charts.py, which keeps each drawing in the cache under the spec's hash: a
measure is drawn once per language and set of values, however many decks include it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from pptx import Presentation
from pptx.util import Inches, Length, Pt

from citystat.city.translations import localized
from citystat.lib.charts import ChartError, render_png
from citystat.plan import display
from citystat.plan.charts import measure_chart
from citystat.plan.templatetags.plan_periods import period_name
from citystat.reports.content import Report, ReportMeasure, trend_text
from citystat.reports.workbook import cover_lines, empty_text, status_text

if TYPE_CHECKING:
    from pptx.presentation import Presentation as Deck
    from pptx.shapes.autoshape import Shape
    from pptx.shapes.base import BaseShape
    from pptx.slide import Slide

logger = logging.getLogger(__name__)

CHART_WIDTH = 1200
CHART_HEIGHT = 700
# A slide shows the start of the narrative; the speaker notes hold all of it.
NARRATIVE_ON_SLIDE = 480


def chart_png(item: ReportMeasure) -> bytes | None:
    """Return the measure's chart over the report's values, or None when it cannot be drawn."""
    try:
        spec = measure_chart(item.measure, values=item.chart_values)
        return render_png(spec, CHART_WIDTH, CHART_HEIGHT)
    except (ChartError, ValueError) as error:
        logger.warning("deck chart for %s failed: %s", item.measure.slug, error)
        return None


def shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "\u2026"


def fact_lines(item: ReportMeasure) -> list[tuple[str, str]]:
    """Return the slide's labelled facts: value, target, status, trend."""
    measure, latest, target = item.measure, item.latest, item.target
    value = display.value_text(latest.value if latest else None, measure.unit)
    if latest is not None:
        value += f" ({period_name(latest.period)})"
    facts = [
        (gettext("Latest value"), value),
        (gettext("Target"), display.target_text(target.value if target else None, measure.unit)),
        (gettext("Status"), status_text(item.judged.status)),
        (gettext("Trend"), trend_text(item.trend)),
    ]
    if not measure.is_public:
        facts.append((gettext("Visibility"), gettext("Internal measure, not public")))
    return facts


def add_text(
    slide: Slide,
    left: Length,
    top: Length,
    width: Length,
    height: Length,
    lines: Iterable[str],
    size: int = 18,
    bold_first: bool = False,
) -> Shape:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold_first and index == 0
    return box


def widen(shape: BaseShape) -> None:
    """Stretch a placeholder of the default (4:3) layouts across the 16:9 slide."""
    shape.left, shape.width = Inches(0.6), Inches(12.1)


def title_slide(deck: Deck, report: Report) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = report.title
    slide.placeholders[1].text = "\n".join(cover_lines(report)[1:])
    widen(slide.shapes.title)
    widen(slide.placeholders[1])


def empty_slide(deck: Deck, report: Report) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = report.title
    widen(slide.shapes.title)
    add_text(slide, Inches(0.6), Inches(2), Inches(12), Inches(2), [empty_text(report)], size=24)


def measure_slide(deck: Deck, item: ReportMeasure) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = localized(item.measure, "title").text
    widen(slide.shapes.title)
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(30)
    png = chart_png(item)
    if png is not None:
        slide.shapes.add_picture(io.BytesIO(png), Inches(0.4), Inches(1.5), width=Inches(8))
    else:
        add_text(
            slide, Inches(0.4), Inches(3), Inches(8), Inches(1), [gettext("No chart: no data yet.")]
        )
    facts = [f"{label}: {text}" for label, text in fact_lines(item)]
    add_text(slide, Inches(8.7), Inches(1.5), Inches(4.3), Inches(2.4), facts, size=16)
    narrative = item.narrative
    if narrative is not None:
        heading = gettext("Narrative, %(period)s") % {"period": period_name(narrative.period)}
        words = [heading, shortened(narrative.context, NARRATIVE_ON_SLIDE)]
        add_text(
            slide, Inches(8.7), Inches(4.1), Inches(4.3), Inches(3), words, size=12, bold_first=True
        )
        notes = [narrative.context, narrative.actions, narrative.next_steps]
        slide.notes_slide.notes_text_frame.text = "\n\n".join(text for text in notes if text)
    else:
        add_text(
            slide,
            Inches(8.7),
            Inches(4.1),
            Inches(4.3),
            Inches(1),
            [gettext("No approved narrative for this period.")],
            size=12,
        )


def build_deck(report: Report) -> bytes:
    """Return the report as a .pptx file (16:9), in the active language."""
    deck = Presentation()
    deck.slide_width = Inches(13.333)
    deck.slide_height = Inches(7.5)
    deck.core_properties.title = report.title
    title_slide(deck, report)
    if report.is_empty:
        empty_slide(deck, report)
    for item in report.measures:
        measure_slide(deck, item)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
