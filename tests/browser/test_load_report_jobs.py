"""A staff upload returns before its measures recompute, and the dataset's load report then
names each measure recomputed and each that failed, with the reason (#22 item 5). Chromium
at desktop and phone width; a refused file first (the staff pages are English only)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.jobs import queue
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV, REQUESTS_SCHEMA

pytestmark = pytest.mark.browser

SIZES = [(1280, 900), (390, 844)]
MORE = "8,Trash,2025-06-01,,,1,\n9,Pothole,2025-07-01,,,2,\n"


@pytest.fixture
def steward(transactional_db) -> User:
    sync_roles()
    user = make_person("sam", "data-steward")
    return user


@pytest.fixture
def requests(transactional_db, tmp_path) -> Dataset:
    CityProfile.objects.create(
        name="Kansas City", fiscal_year_start_month=5, fiscal_year_start_day=1, languages=["en"]
    )
    dataset = Dataset.objects.create(
        slug="requests", title="Requests", table_schema=REQUESTS_SCHEMA
    )
    path = tmp_path / "requests.csv"
    path.write_text(REQUESTS_CSV, encoding="utf-8")
    ingest(dataset, path)
    return dataset


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def choose(page, name: str, content: str) -> None:
    page.get_by_label("Files").set_input_files(
        [{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Load and publish").click()


def fits(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_load_report_names_the_measures_recomputed_and_failed(
    steward, requests, live_server, browser, settings, width, height
):
    settings.CITYSTAT_JOBS_RUN = "worker"  # as a site with a jobs worker: nothing inline
    spec = {"dataset": "requests", "date": "created_date", "grain": "year"}
    counted = add_measure("requests-per-year", {**spec, "aggregate": "count"})
    add_measure("broken-sum", {**spec, "aggregate": "sum", "field": "no_such_column"})
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/datasets/requests/upload/")

    # A file that does not fit is refused with its report, and queues no recompute.
    choose(page, "bad.csv", REQUESTS_CSV + "8,Trash,someday,,,1,\n")
    assert page.get_by_text("someday").first.is_visible()
    assert requests.versions.get(number=2).status == "failed"
    assert fits(page)

    choose(page, "good.csv", REQUESTS_CSV + MORE)
    assert page.get_by_text("Version 3 is published.").is_visible()
    assert page.get_by_text("Measures: recomputing in the background").is_visible()
    assert not MeasureValue.objects.filter(measure=counted).exists()
    assert fits(page)

    queue.run_all()  # the worker's turn
    page.reload()
    report = page.locator(".load-report").first
    assert "Measures recomputed: requests-per-year." in report.inner_text()
    failed = report.locator(".load-job-failed li")
    assert failed.count() == 1
    assert failed.first.inner_text().startswith("broken-sum: ")
    assert "no_such_column" in failed.first.inner_text()
    assert fits(page)
    values = dict(
        MeasureValue.objects.filter(measure=counted, breakdown="").values_list("period", "value")
    )
    assert values["2025"] == 4  # rows 6 and 7, and the two new ones
