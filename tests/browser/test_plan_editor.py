"""The plan editor and measure builder in Debian's chromium: build a goal and a measure
from pickers with a live preview, see it in public; refusals (an invalid filter beside
its picker, another department's goal, a stale save) change nothing and lose nothing."""

from __future__ import annotations

import copy
import io

import pandas as pd
import pytest

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD
from citystat.accounts.testing import make_person as person
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department
from citystat.plan.documents import export_plan, load_plan
from citystat.plan.models import Goal, Measure, Plan, PriorityArea
from citystat.plan.tests.conftest import REQUESTS_CSV, REQUESTS_SCHEMA
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ROWS = pd.read_csv(io.StringIO(REQUESTS_CSV))


@pytest.fixture
def city(transactional_db, tmp_path):
    sync_roles()
    CityProfile.objects.create(
        name="Kansas City",
        fiscal_year_start_month=5,
        fiscal_year_start_day=1,
        languages=["en", "es"],
    )
    works = Department.objects.create(code="public-works", name="Public Works")
    water = Department.objects.create(code="water", name="Water Services")
    dataset = Dataset.objects.create(
        slug="requests", title="Requests", table_schema=REQUESTS_SCHEMA, update_frequency="daily"
    )
    path = tmp_path / "requests.csv"
    path.write_text(REQUESTS_CSV, encoding="utf-8")
    ingest(dataset, path)
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    Measure.objects.filter(slug="main-breaks").update(department=works)
    person("alice", "performance-staff")
    person("bob", "department-editor", [water])
    return {"works": works, "water": water}


def signed_in(browser, base_url: str, username: str, viewport=DESKTOP, language: str = ""):
    context = browser.new_context(viewport=viewport)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base_url + "/staff/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    return page


def swapped(page, action) -> None:
    """Run `action` and wait for the builder's htmx answer to be swapped in."""
    with page.expect_response(lambda r: r.url.endswith("/staff/plan/builder/")):
        action()
    page.wait_for_function("() => !document.querySelector('#builder.htmx-request')")
    page.wait_for_timeout(100)


def add_element(page, link: str, title: str, reason: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=link).last.click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Why", exact=True).fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_goal_and_a_measure_built_with_the_preview_reach_the_public_page(
    city, live_server, browser, viewport
):
    page = signed_in(browser, live_server.url, "alice", viewport)
    page.goto(live_server.url + "/staff/plan/")
    add_element(page, "Add a goal", "Keep streets clean", "Council priority 2026")
    add_element(page, "Add an objective", "Pick up trash on time", "Council priority 2026")
    # The goal shows in the editor (its title, and its narratives link names it too).
    assert page.get_by_text("Keep streets clean").first.is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a measure with the builder").last.click()
    page.get_by_label("Title", exact=True).fill("Trash requests")
    page.get_by_label("Definition", exact=True).fill("Trash requests opened.")
    swapped(page, lambda: page.get_by_label("Dataset", exact=True).select_option("requests"))
    swapped(page, lambda: page.get_by_label("Date field", exact=True).select_option("created_date"))
    swapped(page, lambda: page.get_by_label("Field", exact=True).select_option("category"))
    offered = page.get_by_label("Value", exact=True).locator("option").all_text_contents()
    assert offered[1:] == list(ROWS.category.value_counts().index)  # the warehouse's values
    page.get_by_label("Value", exact=True).select_option("Trash")
    swapped(page, lambda: page.get_by_role("button", name="Add to the filter").click())
    assert page.get_by_label("Filter", exact=True).input_value() == "category = 'Trash'"
    swapped(page, lambda: page.get_by_label("Grain", exact=True).select_option("year"))
    trash = ROWS[ROWS.category == "Trash"]
    assert page.locator(".plan-builder__matched").inner_text() == (
        f"The filter keeps {len(trash)} rows of {len(ROWS)}."
    )
    expected = trash.created_date.str[:4].value_counts().sort_index()
    # A year the data (all rows, filtered or not) covers only in part is marked so.
    first, last = ROWS.created_date.min(), ROWS.created_date.max()

    def shown(year: str, count: int) -> str:
        partial = first > f"{year}-01-01" or last < f"{year}-12-31"
        return f"{count} (partial period)" if partial else f"{count}"

    cells = page.locator(".plan-builder__preview tbody tr").all_inner_texts()
    assert [line.split("\t") for line in cells] == [
        [year, shown(year, count)] for year, count in expected.items()
    ]
    page.wait_for_selector(".plan-builder__preview .chart.vega-embed svg")
    page.get_by_label("Why", exact=True).fill("Council asked for trash volumes")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the measure").click()
    assert page.url == live_server.url + "/staff/plan/"
    measure = Measure.objects.get(slug="trash-requests")
    assert measure.objective.goal.title == "Keep streets clean"
    page.goto(live_server.url + "/measures/trash-requests/")
    assert page.get_by_role("heading", level=1).inner_text() == "Trash requests"
    page.context.close()


def test_an_invalid_filter_is_shown_beside_its_picker_and_cannot_be_saved(
    city, live_server, browser
):
    page = signed_in(browser, live_server.url, "alice", PHONE)
    before = export_plan(Plan.objects.get())
    objective = Goal.objects.get().objectives.get()
    page.goto(live_server.url + f"/staff/plan/objectives/{objective.pk}/measures/new/")
    page.get_by_label("Title", exact=True).fill("Broken")
    page.get_by_label("Definition", exact=True).fill("Broken.")
    swapped(page, lambda: page.get_by_label("Dataset", exact=True).select_option("requests"))
    swapped(page, lambda: page.get_by_label("Date field", exact=True).select_option("created_date"))
    swapped(
        page,
        lambda: (
            page.get_by_label("Filter", exact=True).fill("categry = 'Trash'")
            or page.get_by_label("Filter", exact=True).press("Tab")
        ),
    )
    error = page.locator("#id_filter_error")
    assert error.inner_text().startswith("✕") or "unknown field 'categry'" in error.inner_text()
    assert "unknown field 'categry'" in error.inner_text()
    assert page.locator(".plan-builder__matched").count() == 0
    page.get_by_label("Why", exact=True).fill("trying")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the measure").click()
    assert "unknown field 'categry'" in page.locator("#id_filter_error").inner_text()
    assert page.get_by_label("Title", exact=True).input_value() == "Broken"
    assert export_plan(Plan.objects.get()) == before
    page.context.close()


def test_a_department_editor_is_refused_another_departments_goal(city, live_server, browser):
    page = signed_in(browser, live_server.url, "bob")
    goal = Goal.objects.get()
    response = page.goto(live_server.url + f"/staff/plan/goals/infrastructure/{goal.slug}/")
    assert response.status == 403
    assert "department you do not work for" in page.content()
    page.context.close()


def test_a_concurrent_edit_is_refused_with_what_changed_and_nothing_lost(
    city, live_server, browser
):
    url = live_server.url + "/staff/plan/goals/infrastructure/fix-streets/"
    first = signed_in(browser, live_server.url, "alice")
    second = signed_in(browser, live_server.url, "alice", PHONE)
    first.goto(url)
    second.goto(url)
    first.get_by_label("Title", exact=True).fill("Fix every street")
    first.get_by_label("Why", exact=True).fill("Council wording")
    with first.expect_navigation():
        first.get_by_role("button", name="Save").click()
    second.get_by_label("Title", exact=True).fill("Repair the streets")
    second.get_by_label("Summary", exact=True).fill("What I typed")
    second.get_by_label("Why", exact=True).fill("My wording")
    with second.expect_navigation():
        second.get_by_role("button", name="Save").click()
    alert = second.get_by_role("alert").inner_text()
    assert "Someone saved this after you opened it" in alert
    assert "'Fix streets' → 'Fix every street'" in alert
    assert second.get_by_label("Title", exact=True).input_value() == "Repair the streets"
    assert second.get_by_label("Summary", exact=True).input_value() == "What I typed"
    assert Goal.objects.get().title == "Fix every street"
    with second.expect_navigation():
        second.get_by_role("button", name="Save").click()
    assert Goal.objects.get().title == "Repair the streets"
    first.context.close()
    second.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_reorder_and_retire(city, live_server, browser, viewport):
    page = signed_in(browser, live_server.url, "alice", viewport)
    page.goto(live_server.url + "/staff/plan/")
    with page.expect_navigation():
        page.get_by_role("button", name="Move Water main breaks up").click()
    measures = Goal.objects.get().objectives.get().measures.values_list("slug", flat=True)
    assert list(measures) == ["main-breaks", "potholes-7-days"]
    with page.expect_navigation():
        page.get_by_role("link", name="Retire Water main breaks").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Retire it").click()
    assert "This field is required" in page.locator("#id_reason_error").inner_text()
    assert Measure.objects.filter(slug="main-breaks").exists()
    page.get_by_label("Why", exact=True).fill("Moved to the utility's own plan")
    with page.expect_navigation():
        page.get_by_role("button", name="Retire it").click()
    assert not Measure.objects.filter(slug="main-breaks").exists()
    assert page.get_by_role("link", name="Water main breaks", exact=True).count() == 0
    assert "Retired Water main breaks." in page.get_by_role("status").inner_text()
    page.context.close()


def test_the_editor_reads_in_spanish(city, live_server, browser):
    page = signed_in(browser, live_server.url, "alice", PHONE, language="es")
    page.goto(live_server.url + "/staff/plan/")
    assert page.get_by_role("heading", level=1).inner_text() == "Editor del plan"
    assert page.get_by_role("link", name="Añadir una meta").first.is_visible()
    page.goto(live_server.url + "/staff/plan/goals/infrastructure/fix-streets/")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar").click()
    assert page.get_by_label("Por qué", exact=True).is_visible()
    assert PriorityArea.objects.count() == 1
    page.context.close()
