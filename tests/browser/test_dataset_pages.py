"""The public dataset pages in Debian's chromium: no CSP errors, keyboard-reachable, WCAG 2.1 AA."""

from __future__ import annotations

from pathlib import Path

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import preset as named_preset

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "citystat/catalog/tests/fixtures/kc311_sample.csv"


@pytest.fixture
def requests_dataset(transactional_db):
    preset = named_preset("kcmo-311")
    dataset = Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        description="Every request residents made to 311.",
        update_frequency="daily",
        is_public=True,
        table_schema=preset["table_schema"],
        column_map=preset["column_map"],
        ignored_columns=preset["ignored_columns"],
    )
    ingest(dataset, SAMPLE)
    return dataset


def test_the_data_menu_leads_to_the_dataset_page_and_its_newest_rows(
    requests_dataset, live_server, page
):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.get_by_role("link", name="Data", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="311 service requests").click()
    assert page.get_by_role("heading", level=1, name="311 service requests").is_visible()
    rows = page.get_by_role("region", name="Rows of 311 service requests")
    # Newest first: the last request of the sample (25 February 2020) heads the table.
    assert rows.get_by_role("cell", name="2020028485").first.is_visible()
    preview = rows
    assert "4900 E 63rd St" not in preview.inner_text()
    assert errors == []


@pytest.mark.parametrize("path", ["/datasets/", "/datasets/service-requests/"])
@pytest.mark.parametrize("width", [1280, 375])
def test_dataset_pages_have_no_wcag_21_aa_violations(
    requests_dataset, live_server, audit_page, axe, path, width
):
    audit_page.set_viewport_size({"width": width, "height": 900})
    audit_page.goto(live_server.url + path)
    assert axe(audit_page) == []
