"""Resident engagement in a real browser: the live board updates without reload while a
moderator works in another browser context; the public pages pass axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person
from citystat.city.profile import load_city_file
from citystat.engagement.board import forget_boards
from citystat.engagement.models import PriorityBallot, PriorityRound, Question, Update
from citystat.meetings.models import Meeting
from citystat.plan.models import Plan

pytestmark = pytest.mark.browser

CITY_FILE = Path(__file__).parents[2] / "citystat/engagement/tests/fixtures/city.yaml"
QUESTION = "When will the streetlights on Prospect be repaired?"


@pytest.fixture
def live_meeting(transactional_db) -> Meeting:
    # Boards drawn by earlier tests in this process may share this meeting's id.
    forget_boards()
    load_city_file(CITY_FILE)
    plan = Plan.objects.create(
        title="Plan", slug="plan", first_fiscal_year=2025, last_fiscal_year=2029, is_current=True
    )
    area = plan.priority_areas.create(slug="infrastructure", title="Infrastructure", position=1)
    plan.priority_areas.create(slug="public-safety", title="Public Safety", position=2)
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="KCStat: Infrastructure",
        priority_area=area,
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(minutes=80),
    )
    Question.objects.create(
        text=QUESTION, channel="form", meeting=meeting, state="approved", neighborhood="Ivanhoe"
    )
    sync_roles()
    make_person("mona", "moderator")
    return meeting


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_the_public_board_shows_the_moderators_choice_within_5_seconds(
    live_meeting, live_server, browser
):
    resident = browser.new_context().new_page()
    moderator = browser.new_context().new_page()
    resident.goto(f"{live_server.url}/meetings/{live_meeting.pk}/")
    board = resident.locator("#live-board")
    assert "No question is on screen" in board.inner_text()
    resident.evaluate("window.notReloaded = true")

    sign_in(moderator, live_server.url)
    moderator.goto(f"{live_server.url}/staff/meetings/{live_meeting.pk}/questions/")
    question = Question.objects.get()
    with moderator.expect_navigation():
        moderator.get_by_role("button", name=f"Put #{question.pk} on screen").click()

    resident.locator("#on-screen", has_text=QUESTION).wait_for(timeout=5000)
    assert resident.evaluate("window.notReloaded") is True
    resident.context.close()
    moderator.context.close()


@pytest.fixture
def public_pages(live_meeting) -> list[str]:
    Update.objects.create(
        title="Demolitions planned in Ivanhoe",
        slug="ivanhoe",
        body="Two buildings.",
        published_at=timezone.now(),
    )
    PriorityRound.objects.create(title="Spring", slug="spring", is_open=True)
    return ["/questions/ask/", "/updates/", "/priorities/pick/", f"/meetings/{live_meeting.pk}/"]


def test_the_engagement_pages_pass_axe(public_pages, live_server, audit_page, axe):
    for path in public_pages:
        audit_page.goto(live_server.url + path)
        audit_page.wait_for_load_state("networkidle")
        assert axe(audit_page) == [], path


def test_a_ballot_is_sent_after_the_browser_solves_the_challenge(live_meeting, live_server, page):
    PriorityRound.objects.create(title="Spring", slug="spring", is_open=True)
    page.goto(live_server.url + "/priorities/pick/")
    page.get_by_label("Choice 1").select_option("public-safety")
    page.get_by_label("Choice 2").select_option("infrastructure")
    with page.expect_navigation(timeout=30000):
        page.get_by_role("button", name="Send my ballot").click()
    assert "your ballot is counted" in page.get_by_role("status").first.inner_text()
    ballot = PriorityBallot.objects.get()
    assert ballot.ranking == ["public-safety", "infrastructure"]
