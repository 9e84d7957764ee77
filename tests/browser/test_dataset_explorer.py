"""The dataset explorer in Debian's chromium: filter (accepted and refused), sort, page,
search, chart and download, at desktop and phone width, and in Spanish.

Expected figures come from pandas reading the same CSV file, not from the site.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from citystat.catalog import exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import preset as named_preset

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "citystat/catalog/tests/fixtures/kc311_sample.csv"
FRAME = pd.read_csv(SAMPLE, encoding="utf-8-sig")
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def requests_dataset(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    preset = named_preset("kcmo-311")
    dataset = Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        description="Every request residents made to 311.",
        update_frequency="daily",
        is_public=True,
        tags=["311"],
        table_schema=preset["table_schema"],
        column_map=preset["column_map"],
        ignored_columns=preset["ignored_columns"],
    )
    ingest(dataset, SAMPLE)
    exports.build_exports("service-requests")
    return dataset


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def count_line(page) -> str:
    return page.locator(".explorer__count").inner_text()


def test_a_resident_filters_sorts_pages_searches_and_downloads(
    requests_dataset, live_server, sized_page
):
    page = sized_page
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url + "/datasets/service-requests/")
    assert fits_the_screen(page)
    assert count_line(page).startswith(f"Rows 1–25 of {len(FRAME)}")

    # A filter SODA refuses: its message beside the box, the text kept, no rows.
    page.get_by_label("Filter (a SoQL condition)").fill("status =")
    page.get_by_role("button", name="Show rows").click()
    refusal = page.locator("#explorer-where-error")
    refusal.wait_for()
    assert refusal.inner_text().startswith("The API refused this filter: $where: could not parse")
    assert page.get_by_label("Filter (a SoQL condition)").input_value() == "status ="
    assert page.locator(".explorer__table").count() == 0
    assert fits_the_screen(page)

    # The same box, corrected: htmx swaps in the open requests only.
    open_rows = FRAME[FRAME["STATUS"] == "OPEN"]
    page.get_by_label("Filter (a SoQL condition)").fill("status = 'OPEN'")
    page.get_by_role("button", name="Show rows").click()
    page.get_by_text(f"Rows 1–25 of {len(open_rows)}").wait_for()
    assert "where=status" in page.url  # the address can be shared and reloaded

    # Sorting by a column heading: highest case id first, then lowest on a second click.
    page.locator(".explorer__table thead").get_by_role("link", name=re.compile("^Case ID")).click()
    page.locator('th[aria-sort="descending"]').wait_for()
    first = page.locator(".explorer__table tbody tr").first.locator("td").first
    assert first.inner_text().replace(",", "") == str(open_rows["CASE ID"].max())
    page.locator(".explorer__table thead").get_by_role("link", name=re.compile("^Case ID")).click()
    page.locator('th[aria-sort="ascending"]').wait_for()
    first = page.locator(".explorer__table tbody tr").first.locator("td").first
    assert first.inner_text().replace(",", "") == str(open_rows["CASE ID"].min())

    # Paging keeps the filter and the order.
    page.get_by_role("link", name="Next page").click()
    page.get_by_text(f"Rows 26–50 of {len(open_rows)}").wait_for()
    first = page.locator(".explorer__table tbody tr").first.locator("td").first
    assert first.inner_text().replace(",", "") == str(sorted(open_rows["CASE ID"])[25])

    # Searching the text columns, alone.
    page.get_by_role("link", name="Clear").click()
    page.get_by_text(f"Rows 1–25 of {len(FRAME)}").wait_for()
    page.get_by_label("Search the text columns").fill("web")
    page.get_by_role("button", name="Show rows").click()
    from_the_web = int((FRAME["SOURCE"] == "WEB").sum())
    page.get_by_text(re.compile(rf"Rows 1–25 of {from_the_web}\b")).wait_for()
    assert fits_the_screen(page)

    # A quick chart, counted by the API.
    page.get_by_label("Chart a column").select_option("status")
    page.get_by_role("button", name="Show rows").click()
    chart = page.locator(".quick-chart")
    chart.wait_for()
    expected = FRAME[FRAME["SOURCE"] == "WEB"]["STATUS"].value_counts()
    shown = {
        row.locator("th").inner_text(): int(row.locator("td").inner_text())
        for row in chart.locator("tbody tr").all()
    }
    assert shown == expected.to_dict()

    # The whole dataset as CSV: every row, never the withheld street address.
    with page.expect_download() as started:
        page.get_by_role("link", name="Download CSV").click()
    body = Path(started.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(FRAME) and "street_address" not in rows[0]
    assert "4900 E 63rd St" not in body
    assert errors == []


def test_the_copy_buttons_copy_the_examples(requests_dataset, live_server, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(live_server.url + "/datasets/service-requests/?where=status+%3D+%27OPEN%27")
    button = page.locator('button[data-copy="snippet-url"]')
    button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#snippet-url").inner_text()
    assert "$where=status+%3D+%27OPEN%27" in copied and button.inner_text() == "Copied"
    context.close()


def test_the_explorer_speaks_spanish_on_a_phone(requests_dataset, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/datasets/service-requests/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_label("Filtro (una condición SoQL)").fill("nope = 1")
    page.get_by_role("button", name="Mostrar filas").click()
    refusal = page.locator("#explorer-where-error")
    refusal.wait_for()
    assert refusal.inner_text().startswith("La API rechazó este filtro:")
    page.get_by_label("Filtro (una condición SoQL)").fill("status = 'OPEN'")
    page.get_by_role("button", name="Mostrar filas").click()
    opened = int((FRAME["STATUS"] == "OPEN").sum())
    page.get_by_text(f"Filas 1–25 de {opened}").wait_for()
    assert page.get_by_role("link", name="Descargar CSV").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_list_is_searched_and_filtered_by_tag(requests_dataset, live_server, browser, width):
    Dataset.objects.create(
        slug="potholes-filled",
        title="Potholes filled",
        is_public=True,
        tags=["streets"],
        table_schema={"fields": [{"name": "a"}]},
    )
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/datasets/")
    cards = page.locator(".dataset-card")
    assert cards.count() == 2
    # Each card's text stays inside it (it was squeezed out before).
    for box in page.evaluate(
        "[...document.querySelectorAll('.dataset-card')].map(c => c.scrollWidth <= c.clientWidth)"
    ):
        assert box
    page.get_by_label("Tag", exact=True).select_option("streets")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    assert cards.count() == 1 and "Potholes filled" in cards.inner_text()
    page.get_by_label("Search datasets").fill("311 requests")
    page.get_by_label("Tag", exact=True).select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    assert cards.count() == 1 and "311 service requests" in cards.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
