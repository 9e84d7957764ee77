"""Council exports, each opened with its own reader and compared with the database.

The expected figures are read back with hand-written SQL and the statuses worked out here
by the proximity rule (on track within the tolerance, needs attention within twice it),
not by the code under test.
"""

from __future__ import annotations

import html
import io
import subprocess

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook
from pptx import Presentation

from citystat.accounts.testing import signed_in
from citystat.plan.models import Measure, MeasureValue, Narrative
from citystat.plan.testing import add_value
from citystat.reports.annual import annual_document
from citystat.reports.content import build_report
from citystat.reports.workbook import sheet_name

FY2026 = ("2025-07-01", "2026-06-30")


def sql_values(slug: str) -> list[tuple[str, float, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.period, v.value, v.is_partial FROM plan_measurevalue v "
            "JOIN plan_measure m ON m.id = v.measure_id WHERE m.slug = %s "
            "AND v.breakdown = '' AND v.period_end BETWEEN %s AND %s ORDER BY v.period_start",
            [slug, *FY2026],
        )
        return [(period, value, bool(partial)) for period, value, partial in cursor.fetchall()]


def sql_target(slug: str, fiscal_year: int) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.value, t.tolerance FROM plan_target t JOIN plan_measure m "
            "ON m.id = t.measure_id WHERE m.slug = %s AND t.fiscal_year = %s",
            [slug, fiscal_year],
        )
        return cursor.fetchone()


def expected_status(value: float, target: float, tolerance: float) -> str:
    """Higher is better, proximity style."""
    shortfall = target - value
    if shortfall <= tolerance:
        return "On track"
    return "Needs attention" if shortfall <= 2 * tolerance else "Off track"


def public_get(path: str) -> bytes:
    response = Client().get(path)
    assert response.status_code == 200, response.content[:500]
    return response.content


def workbook(content: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(content))


def slides_text(content: bytes) -> list[str]:
    deck = Presentation(io.BytesIO(content))
    texts = []
    for slide in deck.slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        texts.append("\n".join(parts))
    return texts


def pdf_text(content: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_workbook_scorecard_and_values_match_the_database(export_plan):
    book = workbook(public_get("/exports/area/streets.xlsx?period=FY2026"))
    assert book.sheetnames == [
        "Scorecard",
        "1. Potholes filled",
        "2. Residents satisfied with str",
        "Narratives",
    ]
    scorecard = book["Scorecard"]
    rows = [row for row in scorecard.iter_rows(values_only=True) if row[2]]
    header = rows[0]
    assert header[:9] == (
        "Priority area", "Goal", "Measure", "Unit", "Latest period", "Latest value",
        "Target", "Status", "Trend",
    )  # fmt: skip
    by_measure = {row[2]: row for row in rows[1:]}
    assert set(by_measure) == {"Potholes filled", "Residents satisfied with streets"}
    for title, slug in [
        ("Potholes filled", "potholes-filled"),
        ("Residents satisfied with streets", "street-satisfaction"),
    ]:
        period, value, _ = [row for row in sql_values(slug) if not row[2]][-1]
        target, tolerance = sql_target(slug, 2026)
        row = by_measure[title]
        assert row[5] == value and isinstance(row[5], float | int)
        assert row[6] == target
        assert row[7] == expected_status(value, target, tolerance)
    # Numbers are numbers with a format in the unit's precision, not text.
    latest_cells = [cell for cell in scorecard["F"] if isinstance(cell.value, int | float)]
    assert [cell.number_format for cell in latest_cells] == ["#,##0", '#,##0.0"%"']
    assert scorecard.freeze_panes is not None

    sheet = book["1. Potholes filled"]
    listed = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]]
    expected = sql_values("potholes-filled")
    assert len(listed) == len(expected) == 12
    for row, (_period, value, partial) in zip(listed, expected, strict=True):
        assert row[3] == value
        assert row[4] == ("Yes" if partial else "No")
        assert row[5] == 100
        assert row[6] == expected_status(value, 100, 10)
    assert sheet.freeze_panes == "B5"
    assert sheet.column_dimensions["A"].width > 10
    assert sheet["D5"].number_format == "#,##0"

    survey = book["2. Residents satisfied with str"]
    first = next(survey.iter_rows(min_row=5, max_row=5, values_only=True))
    # The survey measure's sheet has its interval columns.
    assert first[3:7] == (58.5, "No", 55.1, 61.9)


def test_the_deck_has_a_title_slide_then_one_slide_per_measure_with_its_chart(export_plan):
    content = public_get("/exports/area/streets.pptx?period=FY2026")
    deck = Presentation(io.BytesIO(content))
    assert len(deck.slides) == 3
    texts = slides_text(content)
    assert texts[0].startswith("Streets")
    assert "FY2026" in texts[0]
    potholes_value = [row for row in sql_values("potholes-filled") if not row[2]][-1][1]
    assert f"Latest value: {potholes_value:.0f} (June 2026)" in texts[1]
    assert "Target: 100" in texts[1]
    assert "Status: On track" in texts[1]
    assert "Crews caught up after the spring thaw." in texts[1]
    assert "Status: Off track" in texts[2]
    for slide in list(deck.slides)[1:]:
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert len(pictures) == 1
        assert pictures[0].image.content_type == "image/png"


def test_the_annual_report_has_contents_with_page_numbers_and_the_figures(export_plan, tmp_path):
    content = public_get("/exports/area/streets.pdf?period=FY2026")
    text = pdf_text(content, tmp_path)
    assert "Contents" in text
    contents = text.split("Contents", 1)[1].split("\f", 1)[0]
    lines = [line for line in contents.splitlines() if "Potholes filled" in line]
    assert lines and lines[0].rstrip()[-1].isdigit()
    assert "Residents satisfied with streets" in text
    for _period, value, _ in sql_values("street-satisfaction"):
        assert f"{value:.1f}%" in text
    assert "Crews caught up after the spring thaw." in text


def test_the_annual_report_s_headings_are_its_bookmarks(export_plan):
    document = annual_document(build_report("area", "streets", period="FY2026"))
    # Each bookmark is (label, destination, children, state).
    (cover,) = document.make_bookmark_tree()
    assert cover[0] == "Streets"
    contents, goal = cover[2]
    assert goal[0] == "Smooth streets"
    assert [child[0] for child in goal[2]] == [
        "Potholes filled",
        "Residents satisfied with streets",
    ]


def test_a_public_export_leaves_out_internal_measures_and_unapproved_narratives(
    export_plan, tmp_path
):
    texts = "\n".join(slides_text(public_get("/exports/plan/riverton.pptx?period=FY2026")))
    book = workbook(public_get("/exports/plan/riverton.xlsx?period=FY2026"))
    pdf = pdf_text(public_get("/exports/plan/riverton.pdf?period=FY2026"), tmp_path)
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    for text in (texts, cells, pdf):
        assert "Potholes filled" in text
        assert "Crew overtime hours" not in text
        assert "Storm overtime" not in text
        assert "DRAFT WORDS NOT REVIEWED" not in text


def test_a_staff_export_may_include_internal_measures_and_says_so(export_plan, cast):
    client = signed_in(cast["vera"])
    response = client.get(
        "/staff/reports/download/",
        {"scope": "area/streets", "period": "FY2026", "format": "xlsx", "internal": "on"},
    )
    assert response.status_code == 200
    book = workbook(response.content)
    cover = [row[0] for row in book["Scorecard"].iter_rows(max_row=5, values_only=True)]
    assert "For staff: includes internal measures, which are not public." in cover
    assert "3. Crew overtime hours" in book.sheetnames
    without = client.get(
        "/staff/reports/download/", {"scope": "area/streets", "period": "FY2026", "format": "xlsx"}
    )
    assert "3. Crew overtime hours" not in workbook(without.content).sheetnames


def test_an_empty_area_export_says_so_in_each_file(export_plan, tmp_path):
    said = "This export has no measures: Parks has no public measures yet."
    book = workbook(public_get("/exports/area/parks.xlsx?period=FY2026"))
    assert said in [row[0] for row in book["Scorecard"].iter_rows(values_only=True)]
    assert book.sheetnames == ["Scorecard", "Narratives"]
    texts = slides_text(public_get("/exports/area/parks.pptx?period=FY2026"))
    assert len(texts) == 2 and said in texts[1]
    assert said in " ".join(pdf_text(public_get("/exports/area/parks.pdf"), tmp_path).split())


def test_an_empty_area_page_says_its_report_would_be_empty(export_plan):
    empty = Client().get("/priorities/parks/").content.decode()
    assert "data-exports-empty" in empty
    full = Client().get("/priorities/streets/").content.decode()
    assert "data-exports-empty" not in full
    assert 'formaction="/exports/area/streets.pptx"' in full


def test_the_goal_and_plan_pages_link_their_exports(export_plan):
    goal = Client().get("/goals/smooth-streets/").content.decode()
    assert 'formaction="/exports/goal/smooth-streets.xlsx"' in goal
    plan = Client().get("/priorities/").content.decode()
    assert 'formaction="/exports/plan/riverton.pdf"' in plan


def test_the_staff_page_lists_empty_scopes(export_plan, cast):
    page = signed_in(cast["bob"]).get("/staff/reports/").content.decode()
    assert 'data-empty-scope="area/parks"' in page
    assert 'data-empty-scope="goal/safe-crossings"' in page
    assert 'data-empty-scope="area/streets"' not in page


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/exports/area/nowhere.xlsx", "The current plan has no priority area 'nowhere'."),
        ("/exports/area/streets.xlsx?period=2026-Q1", "is not a fiscal year such as FY2028"),
        ("/exports/area/streets.xlsx?period=FY2031", "FY2031 is outside it"),
        ("/exports/area/streets.docx", "not 'docx'"),
        ("/exports/street/streets.pdf", "not 'street'"),
        ("/exports/plan/another-plan.pdf", "The current plan is 'riverton'"),
    ],
)
def test_a_bad_export_request_says_what_is_wrong(export_plan, path, said):
    response = Client().get(path)
    assert response.status_code == 404
    assert said in html.unescape(response.content.decode())


def test_a_bad_staff_request_shows_the_form_again_with_the_reason(export_plan, cast):
    client = signed_in(cast["alice"])
    response = client.get("/staff/reports/download/", {"scope": "goal/nope", "format": "pdf"})
    assert response.status_code == 400
    assert "The current plan has no goal &#x27;nope&#x27;." in response.content.decode()
    missing = client.get("/staff/reports/download/", {"format": "pdf"})
    assert missing.status_code == 400
    assert "Choose what to export" in missing.content.decode()
    assert client.get("/staff/reports/download/").status_code == 200


@pytest.mark.parametrize(("who", "status"), [("bob", 200), ("vera", 200), ("carol", 403)])
def test_staff_exports_follow_the_staff_page_permissions(export_plan, cast, who, status):
    response = signed_in(cast[who]).get(
        "/staff/reports/download/", {"scope": "plan/riverton", "format": "xlsx"}
    )
    assert response.status_code == status


def test_visitors_are_sent_to_sign_in_for_staff_exports(export_plan):
    response = Client().get("/staff/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_a_public_copy_is_kept_until_the_data_changes(export_plan):
    first = public_get("/exports/goal/smooth-streets.xlsx?period=FY2026")
    assert public_get("/exports/goal/smooth-streets.xlsx?period=FY2026") == first
    value = MeasureValue.objects.get(measure__slug="potholes-filled", period="2026-06")
    value.value = 150
    value.save()
    book = workbook(public_get("/exports/goal/smooth-streets.xlsx?period=FY2026"))
    assert book["1. Potholes filled"]["D16"].value == 150


def test_an_approved_narrative_reaches_the_next_public_copy(export_plan):
    path = "/exports/goal/smooth-streets.pptx?period=FY2026"
    assert "Fewer complaints" not in "\n".join(slides_text(public_get(path)))
    narrative = Narrative.objects.get(measure__slug="street-satisfaction")
    narrative.context = "Fewer complaints after resurfacing."
    narrative.save()
    assert "Fewer complaints" not in "\n".join(slides_text(public_get(path)))  # a draft
    narrative.state = Narrative.State.APPROVED
    narrative.save()
    assert "Fewer complaints after resurfacing." in "\n".join(slides_text(public_get(path)))


def test_the_year_chosen_bounds_the_values_and_the_status(export_plan):
    """FY2027's July value (140) is after FY2026's end: not in its export."""
    book = workbook(public_get("/exports/goal/smooth-streets.xlsx?period=FY2027"))
    listed = [row for row in book["1. Potholes filled"].iter_rows(min_row=5, values_only=True)]
    assert [row[3] for row in listed if row[0]] == [140, 30]
    assert listed[1][4] == "Yes"  # August 2026 is partial, and not judged
    assert listed[1][-1] == "Partial period, not judged"
    fy26 = workbook(public_get("/exports/goal/smooth-streets.xlsx?period=FY2026"))
    assert 140 not in [row[5] for row in fy26["Scorecard"].iter_rows(values_only=True)]


def test_exports_read_in_spanish(export_plan, tmp_path):
    book = workbook(public_get("/exports/area/streets.xlsx?period=FY2026&lang=es"))
    header = [row for row in book.worksheets[0].iter_rows(values_only=True) if row[2]][0]
    assert header[:3] == ("Área prioritaria", "Meta", "Indicador")
    assert "Bien encaminado" in [row[7] for row in book.worksheets[0].iter_rows(values_only=True)]
    texts = slides_text(public_get("/exports/area/streets.pptx?period=FY2026&lang=es"))
    assert "Último valor: 111 (junio de 2026)" in texts[1]
    text = pdf_text(public_get("/exports/area/streets.pdf?period=FY2026&lang=es"), tmp_path)
    assert "Contenido" in text and "54,0" in text


def test_a_measure_without_values_reads_no_recent_data(export_plan):
    measure = Measure.objects.get(slug="street-satisfaction")
    MeasureValue.objects.filter(measure=measure).delete()
    add_value(measure, "2026-Q3", 70.0)  # after FY2026: must not stand in for it
    book = workbook(public_get("/exports/goal/smooth-streets.xlsx?period=FY2026"))
    row = [r for r in book["Scorecard"].iter_rows(values_only=True) if r[2] == measure.title][0]
    assert row[5] is None and row[7] == "No recent data"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Potholes filled", "4. Potholes filled"),
        ("Share of 311 [web] requests: closed/open?", "4. Share of 311  web  requests"),
        ("Residents' trust in the city's streets", "4. Residents' trust in the city"),
        # Cut after 31 characters, the name would end with an apostrophe.
        ("Crews" + "x" * 22 + "' overtime", "4. Crews" + "x" * 22),
    ],
)
def test_a_sheet_name_is_one_excel_accepts(title, name):
    assert sheet_name(4, title) == name


def test_exports_in_spanish_read_the_plan_content_in_spanish(export_plan):
    measure = Measure.objects.get(title="Potholes filled")
    measure.translations = {"es": {"title": "Baches rellenados"}}
    measure.save()
    book = workbook(public_get("/exports/area/streets.xlsx?period=FY2026&lang=es"))
    assert book.sheetnames[1] == "1. Baches rellenados"
    measures = [row[2] for row in book.worksheets[0].iter_rows(values_only=True) if row[2]]
    assert "Baches rellenados" in measures and "Potholes filled" not in measures
    texts = slides_text(public_get("/exports/area/streets.pptx?period=FY2026&lang=es"))
    assert "Baches rellenados" in texts[1]
    english = workbook(public_get("/exports/area/streets.xlsx?period=FY2026"))
    assert english.sheetnames[1] == "1. Potholes filled"
