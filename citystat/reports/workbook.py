"""The council workbook (openpyxl): a scorecard, one sheet of values per measure, and the
narratives.

Cells hold numbers as numbers, with a number format in the measure's unit and precision
(plan/display.py's STYLES), so a council analyst can sort, chart and sum them; the text
around them (headings, statuses, periods) is in the reader's language.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from citystat.city.translations import localized
from citystat.plan import display
from citystat.plan.models import Measure, Status
from citystat.plan.templatetags.plan_periods import period_name
from citystat.reports.content import Report, ReportMeasure, trend_text

# Excel refuses these in sheet names, and names longer than 31 characters.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
HEADER_FILL = "1F4E79"
DATE_FORMAT = "yyyy-mm-dd"


def number_format(unit: str) -> str:
    """Return the Excel number format of a unit, in the precision the site shows it with."""
    style = display.style_of(unit)
    number = "#,##0" + ("." + "0" * style.decimals if style.decimals else "")
    if style.money:
        return f'"$"{number}'
    if unit == "percent":
        # Percent measures store 87.5 for 87.5%: Excel's "%" format would multiply by 100.
        return f'{number}"%"'
    return number


def unit_name(unit: str) -> str:
    """Return the unit for a column heading ("days"), from the measure's unit choices."""
    return str(Measure.Unit(unit).label) if unit in Measure.Unit.values else unit


def sheet_name(index: int, title: str) -> str:
    """Return a unique, valid sheet name: the measure's number and the start of its title."""
    clean = SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")
    # Excel also refuses a name that ends with an apostrophe, which cutting can leave.
    return f"{index}. {clean}"[:SHEET_NAME_LENGTH].rstrip("' ")


def status_text(status: Status | None, is_partial: bool = False) -> str:
    if is_partial:
        return gettext("Partial period, not judged")
    return str(Status(status).label) if status else display.NO_VALUE


def cover_lines(report: Report) -> list[str]:
    """Return what the export is: scope, year, when made, and who may read it."""
    lines = [
        report.title,
        gettext("%(plan)s, FY%(year)s (%(start)s to %(end)s)")
        % {
            "plan": report.plan.title,
            "year": report.fiscal_year,
            "start": display.date_text(report.period_start),
            "end": display.date_text(report.period_end),
        },
        gettext("Made on %(day)s from the data the public site shows.")
        % {"day": display.date_text(report.generated_at)},
    ]
    if report.include_internal:
        lines.append(
            gettext("For staff: includes internal measures, which are not public.")
            if report.has_internal
            else gettext("For staff: this scope has no internal measures.")
        )
    if report.is_empty:
        lines.append(empty_text(report))
    return lines


def empty_text(report: Report) -> str:
    if report.include_internal:
        return gettext("This export has no measures: %(scope)s has none yet.") % {
            "scope": report.title
        }
    return gettext("This export has no measures: %(scope)s has no public measures yet.") % {
        "scope": report.title
    }


def style_header(sheet: Worksheet, row: int, columns: int) -> None:
    for column in range(1, columns + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)


def set_widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def scorecard(sheet: Worksheet, report: Report) -> None:
    for row, line in enumerate(cover_lines(report), start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    header_row = len(cover_lines(report)) + 2
    headings = [
        gettext("Priority area"),
        gettext("Goal"),
        gettext("Measure"),
        gettext("Unit"),
        gettext("Latest period"),
        gettext("Latest value"),
        gettext("Target"),
        gettext("Status"),
        gettext("Trend"),
        gettext("Public"),
    ]
    for column, heading in enumerate(headings, start=1):
        sheet.cell(row=header_row, column=column, value=heading)
    style_header(sheet, header_row, len(headings))
    for offset, item in enumerate(report.measures, start=1):
        row = header_row + offset
        measure = item.measure
        latest, target = item.latest, item.target
        cells = [
            localized(item.area, "title").text,
            localized(item.goal, "title").text,
            localized(measure, "title").text,
            unit_name(measure.unit),
            period_name(latest.period) if latest else display.NO_VALUE,
            latest.value if latest else None,
            target.value if target else None,
            status_text(item.judged.status),
            trend_text(item.trend),
            gettext("Yes") if measure.is_public else gettext("No, internal"),
        ]
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            if column in (6, 7) and value is not None:
                cell.number_format = number_format(measure.unit)
    # The headings stay in view as the list scrolls.
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)
    set_widths(sheet, [24, 32, 40, 18, 16, 14, 14, 22, 14, 12])


def values_sheet(sheet: Worksheet, item: ReportMeasure) -> None:
    measure = item.measure
    sheet.cell(row=1, column=1, value=localized(measure, "title").text).font = Font(
        bold=True, size=13
    )
    sheet.cell(row=2, column=1, value=measure.definition)
    headings = [
        gettext("Period"),
        gettext("Starts"),
        gettext("Ends"),
        gettext("Value (%(unit)s)") % {"unit": unit_name(measure.unit)},
        gettext("Partial"),
        gettext("Interval low"),
        gettext("Interval high"),
        gettext("Target"),
        gettext("Status"),
    ]
    has_interval = any(v.ci_lower is not None for v in item.values)
    if not has_interval:
        headings = headings[:5] + headings[7:]
    for column, heading in enumerate(headings, start=1):
        sheet.cell(row=4, column=column, value=heading)
    style_header(sheet, 4, len(headings))
    fmt = number_format(measure.unit)
    for row, value in enumerate(item.values, start=5):
        cells: list[tuple[object, str]] = [
            (period_name(value.period), ""),
            (value.start, DATE_FORMAT),
            (value.end, DATE_FORMAT),
            (value.value, fmt),
            (gettext("Yes") if value.is_partial else gettext("No"), ""),
        ]
        if has_interval:
            cells += [(value.ci_lower, fmt), (value.ci_upper, fmt)]
        cells += [(value.target, fmt), (status_text(value.status, value.is_partial), "")]
        for column, (content, number) in enumerate(cells, start=1):
            cell = sheet.cell(row=row, column=column, value=content)
            if number and content is not None:
                cell.number_format = number
    if not item.values:
        sheet.cell(row=5, column=1, value=gettext("No values in this fiscal year."))
    sheet.freeze_panes = "B5"
    set_widths(sheet, [18, 12, 12, 16, 10, *([14, 14] if has_interval else []), 14, 24])


def narrative_sheet(sheet: Worksheet, report: Report) -> None:
    headings = [
        gettext("Measure"),
        gettext("Period"),
        gettext("What drove the change"),
        gettext("What the department is doing"),
        gettext("Next steps"),
    ]
    for column, heading in enumerate(headings, start=1):
        sheet.cell(row=1, column=column, value=heading)
    style_header(sheet, 1, len(headings))
    row = 2
    for item in report.measures:
        narrative = item.narrative
        if narrative is None:
            continue
        texts = [
            localized(item.measure, "title").text,
            period_name(narrative.period),
            narrative.context,
            narrative.actions,
            narrative.next_steps,
        ]
        for column, text in enumerate(texts, start=1):
            cell = sheet.cell(row=row, column=column, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    if row == 2:
        sheet.cell(row=2, column=1, value=gettext("No approved narrative for these measures."))
    sheet.freeze_panes = "A2"
    set_widths(sheet, [36, 16, 60, 60, 48])


def build_workbook(report: Report) -> bytes:
    """Return the report as an .xlsx file, in the active language."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = SHEET_FORBIDDEN.sub(" ", gettext("Scorecard"))[:SHEET_NAME_LENGTH]
    scorecard(first, report)
    for index, item in enumerate(report.measures, start=1):
        values_sheet(
            book.create_sheet(sheet_name(index, localized(item.measure, "title").text)), item
        )
    narrative_sheet(book.create_sheet(gettext("Narratives")[:SHEET_NAME_LENGTH]), report)
    book.properties.title = report.title
    book.properties.created = report.generated_at.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
