"""The performance office's flows in a real browser (#19), at desktop and phone widths:
signing in with the demo's printed credentials, the staff navigation, a target changed
without and then with a reason (with its preview), a narrative drafted, returned,
approved and published, and a department editor refused another department's measure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone, translation

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.accounts.testing import make_person as staff
from citystat.city.models import Department
from citystat.demo.build import DemoBuild
from citystat.demo.management.commands import demo
from citystat.lib.periods import period_of, previous_period
from citystat.plan.cycle import calendar_of_city
from citystat.plan.manual import enter_value
from citystat.plan.models import Measure, Narrative, Plan, Target
from citystat.plan.testing import add_measure
from tests.browser.test_staff_sign_in import sign_in_by_keyboard

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser) -> Iterator:
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    yield page
    context.close()


def last_month() -> str:
    calendar = calendar_of_city()
    return previous_period(period_of(timezone.localdate(), "month", calendar), calendar).label


@pytest.fixture
def city(transactional_db) -> dict:
    """Fire's monthly entered measure, 89, 87 and 84 in the three months before last, and
    its target in force of 90 ± 2; editors for Fire and Water, and the performance office."""
    sync_roles()
    fire = Department.objects.create(code="fire", name="Fire")
    water = Department.objects.create(code="water", name="Water Services")
    measure = add_measure("on-time", {}, department=fire, data_source="Dispatch log")
    Measure.objects.filter(pk=measure.pk).update(title="Calls answered on time")
    Plan.objects.update(is_current=True)
    calendar = calendar_of_city()
    period = period_of(timezone.localdate(), "month", calendar)
    for value in (84, 87, 89):
        period = previous_period(period, calendar)
        enter_value(measure, period.label, value, "dispatch log")
    year = calendar.fiscal_year_of(period.start) - 1
    Target.objects.create(measure=measure, fiscal_year=year, value=90, tolerance=2)
    return {
        "measure": Measure.objects.get(pk=measure.pk),
        "alice": staff("alice", Role.PERFORMANCE_STAFF),
        "fiona": staff("fiona", Role.DEPARTMENT_EDITOR, [fire]),
        "walt": staff("walt", Role.DEPARTMENT_EDITOR, [water]),
    }


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


# Sign-in with the demo's printed credentials --------------------------------------------


def test_signing_in_with_the_credentials_citystat_demo_prints(
    transactional_db, live_server, sized_page, monkeypatch, tmp_path
):
    sync_roles()
    water = Department.objects.create(code="water", name="Water Services")
    editor = User.objects.create(username="demo-water", email="demo-water@example.gov")
    editor.set_unusable_password()
    editor.save()
    StaffProfile.objects.create(user=editor).departments.add(water)
    grant_role(editor, Role.DEPARTMENT_EDITOR)

    monkeypatch.setattr(
        demo, "build_demo_city", lambda **kw: DemoBuild(tmp_path, rows=1, seed=1, reused=True)
    )
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    printed = dict(
        (m[1], (m[2], m[3]))
        for m in re.finditer(
            r"^\s+([A-Za-z ]+?)(?: \([^)]*\))?: (\S+) / (\S+)$", out.getvalue(), re.M
        )
    )
    page = sized_page
    # A wrong password first: refused, the username kept.
    username, password = printed["Department editor"]
    sign_in_by_keyboard(page, live_server.url, username, password + "x")
    assert page.get_by_role("alert").inner_text().startswith("That username and password")
    for role in ("Performance office", "Department editor", "Viewer"):
        username, password = printed[role]
        sign_in_by_keyboard(page, live_server.url, username, password)
        assert page.url == live_server.url + "/staff/", role
        assert page.get_by_role("heading", level=1, name="What needs you").is_visible()
        assert fits_the_screen(page), role
        sign_out(page)


# The staff navigation ---------------------------------------------------------------------


def test_the_staff_navigation_reaches_every_staff_page(city, live_server, sized_page):
    page = sized_page
    sign_in_by_keyboard(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Staff")
    labels = [link.inner_text() for link in nav.get_by_role("link").all()]
    for label in ("Measures", "Datasets", "Meetings", "Questions", "Updates", "Reporting"):
        assert label in labels
    for label in labels:
        page.get_by_role("navigation", name="Staff").get_by_role("link", name=label).click()
        page.wait_for_load_state("networkidle")
        current = page.get_by_role("navigation", name="Staff").locator('[aria-current="page"]')
        assert current.inner_text() == label, label
        assert page.locator("h1").first.is_visible(), label
        assert fits_the_screen(page), label


def test_the_staff_navigation_in_spanish(city, live_server, sized_page):
    page = sized_page
    sign_in_by_keyboard(page, live_server.url, "alice")
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto(live_server.url + "/staff/measures/")
    with translation.override("es"):
        measures, sign_out_label = translation.gettext("Measures"), translation.gettext("Sign out")
    assert (measures, sign_out_label) != ("Measures", "Sign out")
    nav = page.locator("nav.staff-nav")
    assert nav.locator('[aria-current="page"]').inner_text() == measures
    assert nav.get_by_role("button", name=sign_out_label).is_visible()


# Targets --------------------------------------------------------------------------------


def test_a_target_change_without_a_reason_then_with_one_and_its_preview(
    city, live_server, sized_page
):
    page = sized_page
    target = Target.objects.get(measure=city["measure"])
    sign_in_by_keyboard(page, live_server.url, "alice")
    page.goto(live_server.url + "/staff/measures/on-time/")
    form = page.locator("#targets form")
    # Pre-filled with the target in force.
    assert form.get_by_label("Value").input_value() == "90.0"
    assert form.get_by_label("Tolerance").input_value() == "2.0"
    form.get_by_label("Value").fill("85")
    form.get_by_label("Fiscal year").fill(str(target.fiscal_year))
    with page.expect_navigation():
        form.get_by_role("button", name="Preview the effect on status").click()
    form = page.locator("#targets form")
    assert "Give the reason for this target" in form.get_by_role("alert").inner_text() or (
        "Give the reason for this target" in form.inner_text()
    )
    assert form.get_by_label("Value").input_value() == "85"
    form.get_by_label("Reason").fill("The new dispatch system starts in spring")
    with page.expect_navigation():
        form.get_by_role("button", name="Preview the effect on status").click()
    preview = page.locator(".target-preview")
    text = preview.inner_text()
    # 84 was off track against 90 ± 2 and is on track against 85 ± 2.
    assert "Off track" in text and "changes" in text
    assert fits_the_screen(page)
    assert Target.objects.get(pk=target.pk).value == 90
    with page.expect_navigation():
        page.get_by_role("button", name="Save the target").click()
    assert "Saved the FY" in page.locator(".notice--success").inner_text()
    assert Target.objects.get(pk=target.pk).value == 85


# Narratives -----------------------------------------------------------------------------


def write_narrative(page, base_url: str, period: str, words: str) -> None:
    page.goto(base_url + "/staff/measures/on-time/")
    form = page.locator("form[action$='/narrative/']")
    form.get_by_label("Period").fill(period)
    form.get_by_label("Context").fill(words)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the narrative").click()


def test_a_narrative_is_drafted_returned_approved_and_published(city, live_server, sized_page):
    page = sized_page
    period = last_month()
    base = live_server.url
    sign_in_by_keyboard(page, base, "fiona")
    write_narrative(page, base, period, "Two dispatchers were out.")
    assert "as a draft" in page.locator(".notice--success").inner_text()
    assert "Draft, waiting for review" in page.inner_text("body")
    sign_out(page)
    # Not public yet.
    page.goto(base + "/measures/on-time/")
    assert "Two dispatchers were out." not in page.inner_text("body")

    sign_in_by_keyboard(page, base, "alice")
    page.goto(base + "/staff/")
    page.get_by_role("link", name=re.compile(f"Calls answered on time, {period}")).click()
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.get_by_role("button", name="Return with comments").click()
    assert "Say what should change" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("Comments for the writer").fill("Say how many calls waited.")
    with page.expect_navigation():
        page.get_by_role("button", name="Return with comments").click()
    assert "returned with comments" in page.locator(".notice--success").inner_text()
    sign_out(page)

    sign_in_by_keyboard(page, base, "fiona")
    section = page.locator("#section-narratives-due").locator("xpath=..")
    assert "Say how many calls waited." in section.inner_text()
    write_narrative(page, base, period, "Two dispatchers were out; 40 calls waited.")
    sign_out(page)

    sign_in_by_keyboard(page, base, "alice")
    page.goto(base + "/staff/measures/on-time/")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve and publish").click()
    assert "it is public now" in page.locator(".notice--success").inner_text()
    assert fits_the_screen(page)
    page.goto(base + "/staff/reporting/")
    assert "100%" in page.locator("table").first.inner_text()
    sign_out(page)
    page.goto(base + "/measures/on-time/")
    assert "40 calls waited." in page.inner_text("body")
    assert Narrative.objects.get().state == Narrative.State.APPROVED


def test_a_department_editor_is_refused_another_department_s_measure(city, live_server, sized_page):
    page = sized_page
    sign_in_by_keyboard(page, live_server.url, "walt")
    page.goto(live_server.url + "/staff/measures/on-time/")
    # Everyone may read; writing is for Fire's editors and the performance office.
    assert page.get_by_role("button", name="Approve and publish").count() == 0
    assert page.locator("#targets form").count() == 0
    form = page.locator("form[action$='/narrative/']")
    form.get_by_label("Period").fill(last_month())
    form.get_by_label("Context").fill("Not my department.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the narrative").click()
    assert page.get_by_role("heading", level=1, name="You cannot do that").is_visible()
    assert "Nothing was changed." in page.inner_text("body")
    assert fits_the_screen(page)
    assert not Narrative.objects.exists()
