"""Stat meetings in a real browser: a follow-up captured on the meeting screen shows on
the public meeting page; the calendar, meeting page and briefing book pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from citystat.accounts.models import StaffProfile
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import CityProfile, Department
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.models import Meeting
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, Plan, Target

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
PROMISE = "Publish the pothole backlog by council district"


@pytest.fixture
def meeting(transactional_db) -> Meeting:
    CityProfile.objects.create(name="Kansas City", languages=["en"], time_zone="America/Chicago")
    works = Department.objects.create(code="public-works", name="Public Works")
    plan = Plan.objects.create(
        title="Plan", slug="plan", first_fiscal_year=2025, last_fiscal_year=2029, is_current=True
    )
    area = plan.priority_areas.create(slug="infrastructure", title="Infrastructure", position=1)
    goal = Goal.objects.create(priority_area=area, slug="roads", title="Good roads")
    objective = Objective.objects.create(goal=goal, title="Fix potholes fast")
    measure = Measure.objects.create(
        objective=objective, slug="potholes-on-time", title="Potholes filled on time",
        definition="Share of potholes filled within 5 days.", unit="percent",
        direction="higher", frequency="month", department=works,
    )  # fmt: skip
    Target.objects.create(measure=measure, fiscal_year=2000, value=90, tolerance=5)
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    MeasureValue.objects.create(
        measure=measure, period=f"{end:%Y-%m}", period_start=end.replace(day=1), period_end=end,
        value=81.0,
    )  # fmt: skip
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="KCStat", priority_area=area, starts_at=now + dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(minutes=95), location="City Hall",
        livestream_url="https://www.youtube.com/watch?v=abcDEF12345",
    )  # fmt: skip
    draft_agenda(meeting)
    publish_agenda(meeting)
    sync_roles()
    alice = User.objects.create_user("alice", "alice@example.gov", PASSWORD, first_name="Alice")
    profile = StaffProfile.objects.create(user=alice)
    profile.departments.add(works)
    grant_role(alice, "performance-staff")
    return meeting


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_follow_up_captured_on_the_screen_appears_on_the_public_page(meeting, live_server, page):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/screen/")
    page.get_by_label("Text").fill(PROMISE)
    page.get_by_label("Owner department").select_option(label="Public Works")
    page.get_by_label("Owner", exact=True).select_option(label="Alice")
    page.get_by_label("Due date").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Record follow-up").click()
    # htmx swaps the capture block in place: the page stays, the form is empty again.
    page.locator("#captured", has_text=PROMISE).wait_for(timeout=10_000)
    assert page.get_by_label("Text").input_value() == ""

    resident = page.context.browser.new_context().new_page()
    resident.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    row = resident.locator("table.follow-up-table tbody tr", has_text=PROMISE)
    assert "Public Works" in row.inner_text()
    assert "Open" in row.inner_text()
    assert "Alice" not in resident.content()
    resident.context.close()


@pytest.mark.parametrize("path", ["/meetings/", "/meetings/{pk}/", "/meetings/{pk}/briefing/"])
def test_the_public_meeting_pages_pass_axe(meeting, live_server, audit_page, axe, path):
    audit_page.goto(live_server.url + path.format(pk=meeting.pk))
    assert axe(audit_page) == []
