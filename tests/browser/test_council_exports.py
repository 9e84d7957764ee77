"""Council exports in Debian's chromium: staff and residents download each format, at
desktop and phone widths and once in Spanish, and the files hold the database's figures;
an empty area and a bad request say so."""

from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook
from pptx import Presentation

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person
from citystat.plan.models import MeasureValue
from citystat.reports.tests.conftest import build_export_plan

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def plan(transactional_db):
    sync_roles()
    build_export_plan()
    for username, role in [("alice", "performance-staff"), ("vera", "internal-viewer")]:
        make_person(username, role)


def new_page(browser, viewport, language: str = "", base_url: str = ""):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def signed_in(browser, base_url: str, username: str, viewport):
    page = new_page(browser, viewport)
    page.goto(base_url + "/staff/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    return page


def downloaded(page, click) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    with page.expect_download(timeout=120_000) as info:
        click()
    download = info.value
    with open(download.path(), "rb") as file:
        return download.suggested_filename, file.read()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def latest_potholes_value() -> float:
    """The newest complete FY2026 value, read independently of the export code."""
    row = (
        MeasureValue.objects.filter(
            measure__slug="potholes-filled", period_end__lte="2026-06-30", is_partial=False
        )
        .order_by("-period_start")
        .values_list("value", flat=True)
        .first()
    )
    assert row is not None
    return row


def scorecard_rows(content: bytes) -> dict[str, tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return {row[2]: row for row in sheet.iter_rows(values_only=True) if row[2]}


def slide_texts(content: bytes) -> list[str]:
    deck = Presentation(io.BytesIO(content))
    return [
        "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for slide in deck.slides
    ]


def pdf_text(content: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_download_each_export_from_the_staff_page(
    plan, live_server, browser, viewport, tmp_path
):
    page = signed_in(browser, live_server.url, "alice", viewport)
    page.goto(live_server.url + "/staff/")
    page.get_by_role("link", name="Council exports").click()
    page.wait_for_url("**/staff/reports/")
    assert fits(page)
    page.get_by_label("What to export").select_option("area/streets")
    page.get_by_label("Fiscal year").select_option("FY2026")
    page.get_by_label("Include internal measures (not for publication)").check()

    name, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download workbook (Excel)").click()
    )
    assert name == "riverton-area-streets-FY2026.xlsx"
    rows = scorecard_rows(content)
    assert rows["Potholes filled"][5] == latest_potholes_value()
    assert rows["Crew overtime hours"][9] == "No, internal"

    name, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download deck (PowerPoint)").click()
    )
    texts = slide_texts(content)
    assert len(texts) == 4  # the title, then three measures
    assert "For staff: includes internal measures, which are not public." in texts[0]

    name, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download annual report (PDF)").click()
    )
    text = pdf_text(content, tmp_path)
    assert "Contents" in text and "Crew overtime hours" in text


def test_staff_see_empty_scopes_and_their_export_says_so(plan, live_server, browser):
    page = signed_in(browser, live_server.url, "vera", PHONE)
    page.goto(live_server.url + "/staff/reports/")
    assert page.locator('[data-empty-scope="area/parks"]').is_visible()
    page.get_by_label("What to export").select_option("area/parks")
    _, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download deck (PowerPoint)").click()
    )
    assert (
        "This export has no measures: Parks has no public measures yet." in slide_texts(content)[1]
    )


def test_a_bad_staff_request_shows_the_reason_on_the_form(plan, live_server, browser):
    page = signed_in(browser, live_server.url, "alice", DESKTOP)
    page.goto(live_server.url + "/staff/reports/download/?scope=goal/nope&format=pdf")
    assert page.locator("#export-error").inner_text() == "The current plan has no goal 'nope'."
    assert page.get_by_label("What to export").is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_residents_download_each_export_from_the_area_page(
    plan, live_server, browser, viewport, tmp_path
):
    page = new_page(browser, viewport)
    page.goto(live_server.url + "/priorities/streets/")
    assert fits(page)
    page.get_by_label("Fiscal year").select_option("FY2026")
    name, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download Excel").click()
    )
    assert name == "riverton-area-streets-FY2026.xlsx"
    rows = scorecard_rows(content)
    assert rows["Potholes filled"][5] == latest_potholes_value()
    assert "Crew overtime hours" not in rows
    _, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download PowerPoint").click()
    )
    assert len(slide_texts(content)) == 3
    _, content = downloaded(page, lambda: page.get_by_role("button", name="Download PDF").click())
    assert "Residents satisfied with streets" in pdf_text(content, tmp_path)


def test_an_empty_area_page_and_its_export_say_so(plan, live_server, browser):
    page = new_page(browser, PHONE)
    page.goto(live_server.url + "/priorities/parks/")
    notice = page.locator("[data-exports-empty]")
    assert "There are no public measures here yet" in notice.inner_text()
    assert fits(page)
    _, content = downloaded(
        page, lambda: page.get_by_role("button", name="Download PowerPoint").click()
    )
    assert "Parks has no public measures yet" in slide_texts(content)[1]


def test_a_resident_reads_the_export_in_spanish(plan, live_server, browser):
    page = new_page(browser, PHONE, language="es", base_url=live_server.url)
    page.goto(live_server.url + "/goals/smooth-streets/")
    assert page.get_by_role("heading", name="Informes para el concejo").is_visible()
    page.get_by_label("Año fiscal").select_option("FY2026")
    _, content = downloaded(
        page, lambda: page.get_by_role("button", name="Descargar Excel").click()
    )
    rows = scorecard_rows(content)
    assert rows["Indicador"][:2] == ("Área prioritaria", "Meta")
    assert rows["Potholes filled"][7] == "Bien encaminado"


def test_a_bad_public_export_address_says_what_is_wrong(plan, live_server, browser):
    page = new_page(browser, DESKTOP)
    response = page.goto(live_server.url + "/exports/area/streets.xlsx?period=FY2040")
    assert response.status == 404
    assert "FY2040 is outside it" in page.get_by_role("alert").inner_text()
