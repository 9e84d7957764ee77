"""One way to show a number (#20): a measure's value reads the same on its page, in its
briefing entry, in its JSON export, on its update card and in the digest email, in each
language. The expected strings are written out by hand (English "1,234.6 days", Spanish
"1.234,6 días"), not taken from plan/display.py."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone, translation
from openpyxl import load_workbook
from pptx import Presentation

from citystat.city.models import CityProfile
from citystat.engagement.models import SentItem, Subscription, Update
from citystat.engagement.subscriptions import send_digest
from citystat.meetings.briefing import briefing_book, render_briefing_html
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure, MeasureValue, Target
from citystat.plan.testing import build_tiny_plan

NBSP = "\u00a0"
CASES = [
    ("days", 1234.56, "1,234.6 days", "1.234,6 días"),
    ("dollars", 1234567.891, "$1,234,568", f"1.234.568{NBSP}US$"),
    ("percent", 61.64, "61.6%", f"61,6{NBSP}%"),
    ("count", 98765, "98,765", "98.765"),
]
# The workbook cell's number format per unit, written out by hand: the decimals of the
# unit's precision, and the unit as Excel shows it (a percent measure stores 61.64 for
# 61.64%, so its "%" is a literal: Excel's own % would multiply by 100).
CELL_FORMATS = {
    "days": "#,##0.0",
    "dollars": '"$"#,##0',
    "percent": '#,##0.0"%"',
    "count": "#,##0",
}
EXPORT = "/exports/goal/streets.{fmt}?period=FY2026&lang={language}"


@pytest.fixture
def measure(db, request, monkeypatch):
    # Each case reuses the measure's slug: no page of an earlier case may be served.
    cache.clear()
    CityProfile.objects.create(name="Testville", languages=["en", "es"])
    plan = build_tiny_plan()
    unit, value = request.param[:2]
    measure = Measure.objects.get(slug="potholes-closed")
    measure.unit = unit
    measure.save()
    MeasureValue.objects.create(
        measure=measure,
        period="2026-03",
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        value=value,
    )
    Target.objects.create(measure=measure, fiscal_year=2026, value=value)
    starts = timezone.now() + dt.timedelta(days=3)
    Meeting.objects.create(
        title="Stat",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        priority_area=plan.priority_areas.get(slug="infrastructure"),
    )
    Update.objects.create(
        title="Potholes in March",
        slug="potholes-in-march",
        body="Crews were out.",
        published_at=timezone.now() - dt.timedelta(hours=1),
        measure=measure,
    )
    Subscription.objects.create(
        email="resident@example.org",
        subject=Subscription.Subject.GOAL,
        subject_key=str(measure.objective.goal_id),
        confirmed_at=timezone.now() - dt.timedelta(days=1),
    )
    return measure


def slides_text(content: bytes) -> str:
    deck = Presentation(io.BytesIO(content))
    return "\n".join(
        shape.text_frame.text for slide in deck.slides for shape in slide.shapes
        if shape.has_text_frame
    )  # fmt: skip


def pdf_text(content: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode()


def one_line(text: str) -> str:
    """Join a PDF's lines and spaces (a table cell may wrap). A PDF keeps no character
    codes for spaces, so pdftotext gives a no-break space back as a plain one, and the
    test compares the PDF's text with the expected string's no-break spaces made plain."""
    return re.sub(r"[ \n\u00a0]+", " ", text)


def workbook_cells(client, measure: Measure, language: str) -> list[tuple[float, str]]:
    """Return the (value, number format) of each workbook cell holding the measure's
    value: its latest value and target on the scorecard, its value on its own sheet."""
    content = client.get(EXPORT.format(fmt="xlsx", language=language)).content
    book = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in book.worksheets[:-1]:  # the last sheet holds the narratives
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
                    cells.append((float(cell.value), str(cell.number_format)))
    return cells


def rendered(value: float, number_format: str) -> str:
    """Write `value` as Excel shows it with `number_format` (the few formats above)."""
    decimals = len(number_format.split(".")[1].split('"')[0]) if "." in number_format else 0
    text = f"{value:,.{decimals}f}"
    if number_format.startswith('"$"'):
        text = "$" + text
    if number_format.endswith('"%"'):
        text += "%"
    return text


def shown_everywhere(client, measure: Measure, language: str, tmp_path) -> dict[str, str]:
    """Return each place's text that holds the measure's value, in `language`."""
    header = {"HTTP_ACCEPT_LANGUAGE": language}
    page = client.get(f"/measures/{measure.slug}/", **header)
    update = client.get("/updates/potholes-in-march/", **header)
    export = client.get(f"/measures/{measure.slug}/values.json", **header).json()
    with translation.override(language):
        book = briefing_book(Meeting.objects.get(), charts=False)
        entry = next(m for _, ms in book.goals for m in ms if m.measure.pk == measure.pk)
        mail.outbox.clear()
        SentItem.objects.all().delete()  # the digest is sent once per item: again here
        send_digest()
    return {
        "page": html.unescape(page.content.decode()),
        "update card": html.unescape(update.content.decode()),
        "export": export["values"][0]["value_text"],
        "briefing entry": entry.value_text,
        "briefing target": entry.target_text,
        "briefing page": html.unescape(render_briefing_html(book)),
        "email": mail.outbox[0].body,
        "council deck": slides_text(
            client.get(EXPORT.format(fmt="pptx", language=language)).content
        ),
        "council PDF": one_line(
            pdf_text(client.get(EXPORT.format(fmt="pdf", language=language)).content, tmp_path)
        ),
    }


@pytest.mark.parametrize("measure", CASES, indirect=True, ids=[case[0] for case in CASES])
def test_a_value_reads_the_same_on_every_page_export_briefing_and_email(client, measure, tmp_path):
    case = next(case for case in CASES if case[0] == measure.unit)
    for language, expected in (("en", case[2]), ("es", case[3])):
        shown = shown_everywhere(client, measure, language, tmp_path)
        for place, text in shown.items():
            wanted = expected.replace(NBSP, " ") if place == "council PDF" else expected
            assert wanted in text, f"{place} ({language}) lacks {wanted!r}"
        # …and nowhere in the other language's shape.
        other = case[3] if language == "en" else case[2]
        if other not in expected:
            for place in ("export", "council deck", "council PDF"):
                assert other not in shown[place], f"{place} ({language}) shows {other!r}"


@pytest.mark.parametrize("measure", CASES, indirect=True, ids=[case[0] for case in CASES])
def test_the_council_workbook_keeps_the_number_with_the_pages_precision_and_unit(client, measure):
    case = next(case for case in CASES if case[0] == measure.unit)
    for language in ("en", "es"):
        cells = workbook_cells(client, measure, language)
        # The scorecard's latest value and target, and the value on the measure's sheet
        # (the target is set to the value, so all three are the same number).
        assert [value for value, _ in cells] == [case[1]] * 4, cells
        for value, number_format in cells:
            assert number_format == CELL_FORMATS[measure.unit]
            # Excel, showing the cell, writes the page's number in the page's precision.
            assert rendered(value, number_format) in case[2].replace(" days", "")
