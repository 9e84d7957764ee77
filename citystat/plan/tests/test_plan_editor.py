"""The plan editor: browser edits checked and recorded as a plan import, round-tripping
through `plan export` / `plan import`, scoped to departments, refusing stale saves."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import signed_in_person as person
from citystat.city.models import Department
from citystat.plan import editor
from citystat.plan.documents import export_plan, load_plan
from citystat.plan.models import (
    Goal,
    GoalNarrative,
    Measure,
    Objective,
    Plan,
    PriorityArea,
    Strategy,
)
from citystat.plan.sections import measures_to_rebuild
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.usefixtures("requests", "public_works")


@pytest.fixture
def plan(db):
    return load_plan(copy.deepcopy(PLAN), "tiny.yaml")


@pytest.fixture
def alice(db):
    sync_roles()
    return person("alice", Role.PERFORMANCE_STAFF)


def goal_url(goal: Goal) -> str:
    return f"/staff/plan/goals/{goal.priority_area.slug}/{goal.slug}/"


def measure_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Trash requests",
        "slug": "",
        "definition": "Trash requests opened.",
        "unit": "count",
        "direction": "lower",
        "frequency": "month",
        "department": "Public Works",
        "owner": "Solid Waste Manager",
        "public": "on",
        "dataset": "requests",
        "date": "created_date",
        "filter": "category = 'Trash'",
        "aggregate": "count",
        "grain": "month",
        "reason": "Council asked for trash volumes",
    }
    return {**data, **changes}


def test_browser_edits_then_export_then_import_changes_nothing(plan, alice, tmp_path):
    goal = Goal.objects.get()
    response = alice.post(
        goal_url(goal),
        {
            "title": "Fix every street",
            "summary": "Streets first.",
            "reason": "Retitled by council",
            "version": editor.version_of(goal),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    objective = Objective.objects.get()
    response = alice.post(f"/staff/plan/objectives/{objective.pk}/measures/new/", measure_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    strategy = Strategy.objects.get()
    assert (
        alice.post(
            f"/staff/plan/measure/{Measure.objects.get(slug='main-breaks').pk}/move/",
            {"direction": "up"},
        ).status_code
        == 302
    )
    # Goal narratives: one approved (with a comment), one returned, one a draft.
    narratives = f"/staff/plan/goals/{goal.priority_area.slug}/{goal.slug}/narratives/"
    for period, words in [("FY2025", "A year of repaving."), ("2025-Q3", "Crews caught up.")]:
        written = alice.post(narratives, {"period": period, "context": words, "next_steps": "More"})
        assert written.status_code == 302, written.content.decode()[:2000]
    alice.post(narratives + "FY2025/review/", {"decision": "approve", "comment": "Clear."})
    alice.post(narratives + "2025-Q3/review/", {"decision": "return", "comment": "Add numbers."})
    alice.post(narratives, {"period": "2025-10", "context": "Cold snap: more potholes."})
    path = tmp_path / "plan.yaml"
    call_command("plan", "export", str(path))
    exported = yaml.safe_load(path.read_text())
    goal_entry = exported["priority_areas"][0]["goals"][0]
    assert (goal_entry["title"], goal_entry["summary"]) == ("Fix every street", "Streets first.")
    slugs = [m["slug"] for m in goal_entry["objectives"][0]["measures"]]
    assert slugs == ["main-breaks", "potholes-7-days", "trash-requests"]
    assert goal_entry["narratives"] == {
        "2025-10": {"context": "Cold snap: more potholes."},
        "2025-Q3": {
            "context": "Crews caught up.",
            "next_steps": "More",
            "state": "returned",
            "review_comment": "Add numbers.",
        },
        "FY2025": {
            "context": "A year of repaving.",
            "next_steps": "More",
            "state": "approved",
            "review_comment": "Clear.",
        },
    }
    models = (Plan, PriorityArea, Goal, Objective, Measure, Strategy, GoalNarrative)
    counts = [model.history.count() for model in models]
    call_command("plan", "import", str(path))
    after = [model.history.count() for model in models]
    assert after == counts
    assert Strategy.objects.get().pk == strategy.pk
    assert export_plan(Plan.objects.get()) == exported


def test_every_change_is_in_the_plan_history_with_who_and_why(plan, alice):
    goal = Goal.objects.get()
    alice.post(
        goal_url(goal),
        {
            "title": "Fix every street",
            "reason": "Retitled by council",
            "version": editor.version_of(goal),
        },
    )
    record = Goal.history.order_by("-history_id").first()
    assert (record.title, record.history_change_reason) == (
        "Fix every street",
        "Retitled by council",
    )
    assert record.history_user.username == "alice"


def test_a_new_measure_is_saved_with_the_builders_spec(plan, alice):
    objective = Objective.objects.get()
    alice.post(f"/staff/plan/objectives/{objective.pk}/measures/new/", measure_post())
    measure = Measure.objects.get(slug="trash-requests")
    assert measure.spec == {
        "dataset": "requests",
        "date": "created_date",
        "filter": "category = 'Trash'",
        "aggregate": "count",
        "grain": "month",
    }
    assert (measure.department.name, measure.owner_name, measure.is_public) == (
        "Public Works",
        "Solid Waste Manager",
        True,
    )


def test_an_invalid_filter_is_shown_beside_its_picker_and_nothing_is_saved(plan, alice):
    objective = Objective.objects.get()
    before = export_plan(Plan.objects.get())
    response = alice.post(
        f"/staff/plan/objectives/{objective.pk}/measures/new/",
        measure_post(filter="categry = 'Trash'"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_filter_error"' in page
    assert "unknown field &#x27;categry&#x27;" in page.split('id="id_filter_error"')[1][:200]
    assert export_plan(Plan.objects.get()) == before
    assert "categry = &#x27;Trash&#x27;" in page  # what was typed is kept


def test_the_plan_imports_checks_refuse_with_its_messages(plan, alice):
    objective = Objective.objects.get()
    response = alice.post(
        f"/staff/plan/objectives/{objective.pk}/measures/new/",
        measure_post(slug="potholes-7-days", dataset=""),
    )
    assert response.status_code == 400
    assert "already another measure" in response.content.decode()
    assert Measure.objects.count() == 2


def test_a_second_save_of_the_same_element_is_refused_with_what_changed(plan, alice):
    goal = Goal.objects.get()
    opened = editor.version_of(goal)
    first = alice.post(goal_url(goal), {"title": "First title", "reason": "one", "version": opened})
    assert first.status_code == 302
    second = alice.post(
        goal_url(goal),
        {"title": "My own title", "summary": "typed", "reason": "two", "version": opened},
    )
    assert second.status_code == 400
    page = second.content.decode()
    assert "Someone saved this after you opened it" in page
    assert "title: &#x27;Fix streets&#x27; → &#x27;First title&#x27;" in page
    assert 'value="My own title"' in page and "typed</textarea>" in page
    assert Goal.objects.get().title == "First title"
    fresh = page.split('name="version" value="')[1].split('"')[0]
    assert fresh == editor.version_of(goal)
    again = alice.post(goal_url(goal), {"title": "My own title", "reason": "two", "version": fresh})
    assert again.status_code == 302 and Goal.objects.get().title == "My own title"


def test_department_editors_edit_only_their_departments_goals(plan, db):
    sync_roles()
    water = Department.objects.create(code="water", name="Water Services")
    public_works = Department.objects.get(code="public-works")
    Measure.objects.filter(slug="main-breaks").update(department=public_works)
    bob = person("bob", Role.DEPARTMENT_EDITOR, [water])
    pat = person("pat", Role.DEPARTMENT_EDITOR, [public_works])
    goal = Goal.objects.get()
    data = {"title": "Mine now", "reason": "r", "version": editor.version_of(goal)}
    assert bob.post(goal_url(goal), data).status_code == 403
    assert Goal.objects.get().title == "Fix streets"
    assert pat.post(goal_url(goal), data).status_code == 302
    assert Goal.objects.get().title == "Mine now"
    # A goal shared with another department is the performance office's.
    Measure.objects.filter(slug="main-breaks").update(department=water)
    assert pat.get(goal_url(goal)).status_code == 403


def test_reorder_and_retire_with_a_reason(plan, alice):
    area = PriorityArea.objects.get()
    alice.post("/staff/plan/areas/new/", {"title": "Safety", "reason": "New council priority"})
    assert list(PriorityArea.objects.values_list("slug", flat=True)) == ["infrastructure", "safety"]
    safety = PriorityArea.objects.get(slug="safety")
    alice.post(f"/staff/plan/area/{safety.pk}/move/", {"direction": "up"})
    assert list(PriorityArea.objects.values_list("slug", flat=True)) == ["safety", "infrastructure"]
    refused = alice.post(
        f"/staff/plan/area/{area.pk}/retire/", {"version": editor.version_of(area)}
    )
    assert refused.status_code == 400 and PriorityArea.objects.count() == 2
    alice.post(
        f"/staff/plan/area/{area.pk}/retire/",
        {"reason": "Merged into Safety", "version": editor.version_of(area)},
    )
    assert list(PriorityArea.objects.values_list("slug", flat=True)) == ["safety"]
    gone = PriorityArea.history.filter(id=area.pk, history_type="-").get()
    assert gone.history_change_reason == "Merged into Safety"
    assert not Measure.objects.exists()


def test_the_workspace_lists_measures_whose_spec_no_longer_checks(plan, alice):
    user = User.objects.get(username="alice")
    assert measures_to_rebuild(user) == []
    Measure.objects.filter(slug="potholes-7-days").update(
        spec={**Measure.objects.get(slug="potholes-7-days").spec, "filter": "kind = 'Pothole'"}
    )
    [item] = measures_to_rebuild(user)
    assert item.url == "/staff/plan/measures/potholes-7-days/"
    assert item.detail.startswith("filter: unknown field 'kind'")
    assert "Measures to rebuild" in alice.get("/staff/").content.decode()


def test_a_saved_measure_is_computed_as_its_preview_showed(plan, alice):
    objective = Objective.objects.get()
    alice.post(f"/staff/plan/objectives/{objective.pk}/measures/new/", measure_post(grain="year"))
    stored = dict(
        Measure.objects.get(slug="trash-requests")
        .values.filter(breakdown="")
        .values_list("period", "value")
    )
    # REQUESTS_CSV: the Trash requests were opened on 2024-06-01 and 2025-04-30.
    assert stored == {"2024": 1.0, "2025": 1.0}
