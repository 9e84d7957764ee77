"""The staff upload form with several files, in chromium at desktop and phone width (#17)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person
from citystat.catalog import warehouse
from citystat.catalog.models import Dataset

pytestmark = pytest.mark.browser

SCHEMA = {
    "fields": [
        {"name": "srnumber", "type": "string", "constraints": {"required": True}},
        {"name": "created", "type": "datetime", "format": "%m/%d/%Y %I:%M:%S %p"},
    ],
    "primaryKey": ["srnumber"],
}
FIRST = b"SRNumber,Created\n1-A,12/27/2017 01:36:22 PM\n1-B,12/28/2017 09:00:00 AM\n"
SECOND = b"SRNumber,Created\n2-A,01/02/2018 11:59:59 PM\n"
BAD_SECOND = b"SRNumber,Created\n2-A,01/02/2018 11:59:59 PM\n2-B,tomorrow\n"


@pytest.fixture
def steward(transactional_db) -> User:
    sync_roles()
    user = make_person("sam", "data-steward")
    return user


@pytest.fixture
def requests(transactional_db) -> Dataset:
    return Dataset.objects.create(slug="requests", title="Requests", table_schema=SCHEMA)


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def choose(page, *files: tuple[str, bytes]) -> None:
    page.get_by_label("Files").set_input_files(
        [{"name": name, "mimeType": "text/csv", "buffer": content} for name, content in files]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Load and publish").click()


def no_sideways_scroll(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("width", [1280, 375])
def test_two_files_chosen_together_publish_as_one_version(
    steward, requests, live_server, page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/datasets/requests/upload/")
    assert no_sideways_scroll(page)
    choose(page, ("a.csv", FIRST), ("b.csv", SECOND))
    assert page.get_by_text("Version 1 is published.").is_visible()
    assert requests.versions.count() == 1
    assert warehouse.row_count("requests") == 3


@pytest.mark.parametrize("width", [1280, 375])
def test_a_bad_second_file_publishes_nothing_and_the_report_names_it(
    steward, requests, live_server, audit_page, axe, width
):
    page = audit_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/datasets/requests/upload/")
    choose(page, ("a.csv", FIRST), ("b.csv", BAD_SECOND))
    assert page.get_by_role("alert").inner_text().startswith("The file was not published")
    report = page.get_by_role("region", name="Rejected values of version 1")
    assert "b.csv" in report.get_by_role("cell").first.inner_text()
    assert report.get_by_role("cell", name="tomorrow").is_visible()
    assert no_sideways_scroll(page)
    assert axe(page) == []
    assert requests.latest_version is None
    assert warehouse.row_count("requests") is None
