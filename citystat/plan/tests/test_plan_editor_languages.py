"""The plan editor writes each of the city's languages side by side, through the plan
file's own checks and history."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from citystat.city.models import CityProfile
from citystat.plan import editor
from citystat.plan.documents import load_plan
from citystat.plan.models import Goal, GoalNarrative, Measure, Narrative
from citystat.plan.tests.test_plan_editor import alice, goal_url  # noqa: F401 (fixture)
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.usefixtures("requests", "public_works")


@pytest.fixture
def plan(kansas_city: CityProfile):
    kansas_city.languages = ["en", "es"]
    kansas_city.save()
    document: dict[str, Any] = copy.deepcopy(PLAN)
    document["priority_areas"][0]["goals"][0]["translations"] = {"es": {"title": "Arreglar calles"}}
    return load_plan(document, "tiny.yaml")


def test_the_goal_form_shows_each_language_beside_the_default_prefilled(plan, alice):  # noqa: F811
    goal = Goal.objects.get()
    html = alice.get(goal_url(goal)).content.decode()
    group = re.search(r'<div class="plan-languages">(.*?)</div>\s*</div>', html, re.S)
    assert group is not None
    assert 'name="title"' in group.group(1) and 'name="title__es"' in group.group(1)
    assert re.search(r'<input[^>]*name="title__es"[^>]*value="Arreglar calles"', html) or re.search(
        r'<input[^>]*value="Arreglar calles"[^>]*name="title__es"', html
    )
    assert 'lang="es"' in html
    assert "Title (Spanish)" in html


def post(client, goal: Goal, **fields: str):
    data = {"title": goal.title, "version": editor.version_of(goal), **fields}
    return client.post(goal_url(goal), data)


def test_saving_without_a_reason_keeps_every_language_typed_and_changes_nothing(plan, alice):  # noqa: F811
    goal = Goal.objects.get()
    history = goal.history.count()
    response = post(alice, goal, title="Fix every street", title__es="Arreglar cada calle")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Arreglar cada calle" in html and "Fix every street" in html
    goal.refresh_from_db()
    assert goal.translations == {"es": {"title": "Arreglar calles"}}
    assert goal.history.count() == history


def test_saving_with_a_reason_writes_the_translation_into_history(plan, alice):  # noqa: F811
    goal = Goal.objects.get()
    response = post(
        alice, goal, title__es="Arreglar cada calle", summary__es="Calles primero.",
        reason="Spanish reviewed by the language access office",
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    goal.refresh_from_db()
    assert goal.translations == {
        "es": {"title": "Arreglar cada calle", "summary": "Calles primero."}
    }
    newest = goal.history.first()
    assert newest.history_change_reason == "Spanish reviewed by the language access office"
    assert newest.history_user.username == "alice"
    # Clearing the Spanish title leaves the summary; clearing both removes the mapping.
    post(alice, goal, summary__es="Calles primero.", reason="Title back to review")
    goal.refresh_from_db()
    assert goal.translations == {"es": {"summary": "Calles primero."}}
    post(alice, goal, reason="Spanish withdrawn")
    goal.refresh_from_db()
    assert goal.translations == {}


def test_a_one_language_city_shows_no_translation_inputs(plan, alice, kansas_city):  # noqa: F811
    kansas_city.languages = ["en"]
    kansas_city.save()
    html = alice.get(goal_url(Goal.objects.get())).content.decode()
    assert "title__es" not in html and "plan-languages" not in html


def test_the_measure_form_translates_its_title_definition_and_data_source(plan, alice):  # noqa: F811
    measure = Measure.objects.get(slug="main-breaks")
    html = alice.get(f"/staff/plan/measures/{measure.slug}/").content.decode()
    for name in ("title__es", "definition__es", "data_source__es"):
        assert f'name="{name}"' in html


def test_goal_and_measure_narratives_are_written_in_each_language(plan, alice):  # noqa: F811

    goal = Goal.objects.get()
    narratives = f"/staff/plan/goals/{goal.priority_area.slug}/{goal.slug}/narratives/"
    form = alice.get(narratives).content.decode()
    assert 'name="context__es"' in form and 'name="next_steps__es"' in form
    written = alice.post(
        narratives,
        {"period": "FY2025", "context": "A year of repaving.", "context__es": "Un año de asfalto."},
    )
    assert written.status_code == 302, written.content.decode()[:2000]
    assert GoalNarrative.objects.get().translations == {"es": {"context": "Un año de asfalto."}}

    # A refused narrative keeps what was typed in each language.
    refused = alice.post(narratives, {"period": "someday", "context__es": "Algún día."})
    assert refused.status_code == 400 and "Algún día." in refused.content.decode()

    measure = Measure.objects.get(slug="main-breaks")
    saved = alice.post(
        f"/staff/measures/{measure.slug}/narrative/",
        {"period": "2025-Q1", "context": "Cold winter.", "context__es": "Invierno frío."},
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert Narrative.objects.get().translations == {"es": {"context": "Invierno frío."}}
