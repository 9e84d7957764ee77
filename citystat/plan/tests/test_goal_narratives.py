"""Goal narratives: written by the performance office or the goal's own department, a
draft until approved, public only then, with who/when/why, and in the plan file."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import signed_in_person as person
from citystat.city.models import Department
from citystat.plan import editor
from citystat.plan.documents import PlanDocumentError, export_plan, load_plan
from citystat.plan.goal_narratives import public_goal_narrative
from citystat.plan.models import Goal, GoalNarrative, Measure, NarrativePeriodError
from citystat.plan.review import ReviewRefused, review
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.usefixtures("requests", "public_works")

URL = "/staff/plan/goals/infrastructure/fix-streets/narratives/"


@pytest.fixture
def plan(db):
    sync_roles()
    return load_plan(copy.deepcopy(PLAN), "tiny.yaml")


@pytest.fixture
def alice(plan) -> Client:
    return person("alice", Role.PERFORMANCE_STAFF)


def works_editor() -> Client:
    return person("pat", Role.DEPARTMENT_EDITOR, [Department.objects.get(code="public-works")])


def write(client: Client, period: str, context: str, **more: str):
    return client.post(URL, {"period": period, "context": context, **more})


def test_a_goal_narrative_is_public_only_once_approved(alice):
    assert write(alice, " FY2025 ", "Crews repaved 40 miles.").status_code == 302
    narrative = GoalNarrative.objects.get()
    assert (narrative.period, narrative.state) == ("FY2025", GoalNarrative.State.DRAFT)
    assert "Crews repaved 40 miles." not in Client().get("/goals/fix-streets/").content.decode()
    assert alice.post(URL + "FY2025/review/", {"decision": "approve"}).status_code == 302
    page = Client().get("/goals/fix-streets/").content.decode()
    assert "Crews repaved 40 miles." in page
    assert "How the goal is going (FY2025)" in page


def test_editing_an_approved_goal_narrative_takes_it_off_the_public_page(alice):
    write(alice, "FY2025", "First words.")
    alice.post(URL + "FY2025/review/", {"decision": "approve"})
    write(alice, "FY2025", "Second words.")
    assert GoalNarrative.objects.get().state == GoalNarrative.State.DRAFT
    page = Client().get("/goals/fix-streets/").content.decode()
    assert "First words." not in page and "Second words." not in page


def test_a_return_needs_comments_and_keeps_them_for_the_writer(alice):
    write(alice, "2025-10", "Cold snap.")
    narrative = GoalNarrative.objects.get()
    reviewer = narrative.author
    with pytest.raises(ReviewRefused, match="Say what should change"):
        review(narrative, reviewer, "return", "  ")
    assert GoalNarrative.objects.get().state == GoalNarrative.State.DRAFT
    review(narrative, reviewer, "return", "Give the pothole count.")
    narrative.refresh_from_db()
    assert (narrative.state, narrative.review_comment) == ("returned", "Give the pothole count.")
    assert "Give the pothole count." in alice.get(URL).content.decode()


def test_each_save_and_review_is_in_the_history_with_who_when_and_why(alice):
    write(alice, "FY2025", "Words.")
    alice.post(URL + "FY2025/review/", {"decision": "return", "comment": "Numbers, please."})
    rows = list(GoalNarrative.history.order_by("history_id"))
    assert [(r.history_user.username, r.state, r.history_change_reason) for r in rows] == [
        ("alice", "draft", "saved for review"),
        ("alice", "returned", "returned: Numbers, please."),
    ]
    page = alice.get(URL).content.decode()
    assert "returned: Numbers, please." in page


def test_a_bad_period_is_refused_beside_its_field_and_nothing_is_saved(alice):
    response = write(alice, "Spring 2025", "Words.")
    assert response.status_code == 400
    assert "Spring 2025 is not a period" in response.content.decode()
    assert "Words." in response.content.decode()  # what was typed is kept
    assert not GoalNarrative.objects.exists()
    with pytest.raises(NarrativePeriodError):
        GoalNarrative.objects.create(goal=Goal.objects.get(), period="soon", context="x")


def test_a_department_editor_writes_only_for_a_goal_wholly_their_department(alice):
    pat = works_editor()
    # main-breaks has no department: the goal is shared, so the performance office's.
    assert write(pat, "FY2025", "Ours.").status_code == 403
    assert not GoalNarrative.objects.exists()
    Measure.objects.filter(slug="main-breaks").update(
        department=Department.objects.get(code="public-works")
    )
    assert write(pat, "FY2025", "Ours.").status_code == 302
    water = Department.objects.create(code="water", name="Water Services")
    Measure.objects.filter(slug="main-breaks").update(department=water)
    assert write(pat, "FY2025", "Changed by the wrong department.").status_code == 403
    assert GoalNarrative.objects.get().context == "Ours."


def test_a_department_editor_never_approves(alice):
    Measure.objects.update(department=Department.objects.get(code="public-works"))
    pat = works_editor()
    write(pat, "FY2025", "Ours.")
    assert pat.post(URL + "FY2025/review/", {"decision": "approve"}).status_code == 403
    assert GoalNarrative.objects.get().state == GoalNarrative.State.DRAFT


def test_the_public_page_shows_the_approved_narrative_whose_period_ends_last(alice):
    goal = Goal.objects.get()
    # Kansas City's FY2025 ends 30 April 2025; October 2025 ends later; the December draft
    # is newer still but not approved.
    for period in ("FY2025", "2025-10", "2025-12"):
        write(alice, period, f"Story of {period}.")
    for period in ("FY2025", "2025-10"):
        alice.post(URL + f"{period}/review/", {"decision": "approve"})
    assert public_goal_narrative(goal).period == "2025-10"


def test_the_plan_file_carries_goal_narratives_exactly(plan):
    document = copy.deepcopy(PLAN)
    narratives = {
        "FY2025": {"context": "A year.", "state": "approved", "review_comment": "Good."},
        "2025-10": {"context": "A month.", "actions": "Crews.", "next_steps": "Spring."},
    }
    document["priority_areas"][0]["goals"][0]["narratives"] = narratives
    load_plan(copy.deepcopy(document), "tiny.yaml")
    assert export_plan(plan) == document
    rows = GoalNarrative.history.count()
    load_plan(export_plan(plan), "again.yaml")
    assert GoalNarrative.history.count() == rows
    approved = GoalNarrative.objects.get(period="FY2025")
    assert (approved.state, approved.review_comment) == ("approved", "Good.")


def test_a_plan_file_without_narratives_keeps_those_written_in_the_browser(alice, plan):
    write(alice, "FY2025", "Kept.")
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    assert GoalNarrative.objects.get().context == "Kept."


def test_a_plan_file_listing_narratives_removes_the_others(alice, plan):
    write(alice, "FY2025", "Gone.")
    document = copy.deepcopy(PLAN)
    document["priority_areas"][0]["goals"][0]["narratives"] = {"2025-10": {"context": "Kept."}}
    load_plan(document, "tiny.yaml", reason="new narratives")
    assert list(GoalNarrative.objects.values_list("period", "context")) == [("2025-10", "Kept.")]


def test_bad_goal_narratives_in_the_plan_file_are_named_and_change_nothing(alice, plan):
    write(alice, "FY2025", "Untouched.")
    document = copy.deepcopy(PLAN)
    document["priority_areas"][0]["goals"][0]["narratives"] = {
        "someday": {"context": "x"},
        "2025-10": {"context": "", "state": "published", "tone": "x"},
    }
    with pytest.raises(PlanDocumentError) as refused:
        load_plan(document, "bad.yaml")
    where = "priority_areas[0].goals[0].narratives"
    assert refused.value.problems == [
        f"{where}.someday: the goal narrative's period 'someday' is not a period such as "
        "2026-10, 2026-Q1, FY2026 or 2026.",
        f"{where}.2025-10.tone: unknown key",
        f"{where}.2025-10.state: 'published' is not one of draft, returned, approved.",
        f"{where}.2025-10: 'context' is required.",
    ]
    assert list(GoalNarrative.objects.values_list("period", "context")) == [
        ("FY2025", "Untouched.")
    ]


def test_an_editor_change_to_the_goal_leaves_its_narratives_alone(alice, plan):
    write(alice, "FY2025", "Words.")
    alice.post(URL + "FY2025/review/", {"decision": "approve"})
    rows = GoalNarrative.history.count()
    goal = Goal.objects.get()
    editor.edit(goal, {"title": "Fix every street"}, "Retitled", editor.version_of(goal))
    assert GoalNarrative.history.count() == rows
    assert GoalNarrative.objects.get().state == GoalNarrative.State.APPROVED


def test_a_goal_draft_waits_in_the_performance_offices_review_list(alice):
    write(alice, "FY2025", "Words.")
    assert "Fix streets (goal), FY2025" in alice.get("/staff/").content.decode()
    alice.post(URL + "FY2025/review/", {"decision": "approve"})
    assert "Fix streets (goal), FY2025" not in alice.get("/staff/").content.decode()
