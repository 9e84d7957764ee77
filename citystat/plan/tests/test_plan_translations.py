"""Plan content in the city's languages: the plan file carries each, import checks them,
and a translation edit is history like any other edit."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command

from citystat.city.models import CityProfile
from citystat.plan.documents import PlanDocumentError, export_plan, load_plan
from citystat.plan.models import Goal, GoalNarrative, Measure, Objective, Plan, Strategy
from citystat.plan.tests.test_plan_files import PLAN

pytestmark = pytest.mark.usefixtures("requests", "public_works")

WHERE = "priority_areas[0].goals[0]"


@pytest.fixture(autouse=True)
def bilingual_city(kansas_city: CityProfile) -> CityProfile:
    kansas_city.languages = ["en", "es"]
    kansas_city.save()
    return kansas_city


def translated_plan() -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(PLAN)
    area = document["priority_areas"][0]
    area["translations"] = {"es": {"title": "Infraestructura"}}
    goal = area["goals"][0]
    goal["summary"] = "Streets people can drive on."
    goal["translations"] = {"es": {"title": "Arreglar calles", "summary": "Calles transitables."}}
    goal["strategies"][0]["translations"] = {"es": {"title": "Segunda cuadrilla de baches"}}
    goal["narratives"] = {
        "2026-Q1": {
            "context": "Rain opened many potholes.",
            "state": "approved",
            "translations": {"es": {"context": "La lluvia abrió muchos baches."}},
        }
    }
    objective = goal["objectives"][0]
    objective["translations"] = {"es": {"title": "Cerrar pronto los avisos de baches"}}
    objective["measures"][0]["translations"] = {
        "es": {
            "title": "Baches cerrados en 7 días",
            "definition": "Proporción de avisos de baches cerrados en 7 días.",
        }
    }
    return document


def test_the_plan_file_carries_every_language_and_round_trips_exactly(tmp_path):
    plan = load_plan(translated_plan(), "tiny.yaml")
    goal = Goal.objects.get()
    assert goal.translations == {
        "es": {"title": "Arreglar calles", "summary": "Calles transitables."}
    }
    assert GoalNarrative.objects.get().translations == {
        "es": {"context": "La lluvia abrió muchos baches."}
    }
    assert export_plan(plan) == translated_plan()

    path = tmp_path / "plan.yaml"
    call_command("plan", "export", str(path))
    counts = [model.history.count() for model in (Goal, Measure, Objective, Strategy)]
    call_command("plan", "import", str(path))
    assert [model.history.count() for model in (Goal, Measure, Objective, Strategy)] == counts
    assert yaml.safe_load(path.read_text()) == translated_plan()


def test_a_file_without_translations_removes_them_like_any_other_field():
    load_plan(translated_plan(), "tiny.yaml")
    load_plan(copy.deepcopy(PLAN), "tiny.yaml", reason="Spanish withdrawn")
    assert Goal.objects.get().translations == {}
    assert Goal.history.first().history_change_reason == "Spanish withdrawn"


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanDocumentError) as raised:
        load_plan(document, "plan.yaml")
    assert not Plan.objects.exists()
    return raised.value.problems


def test_a_language_the_city_does_not_have_is_refused_and_nothing_changes():
    document = translated_plan()
    document["priority_areas"][0]["goals"][0]["translations"]["fr"] = {"title": "Rues"}
    assert problems_of(document) == [
        f"{WHERE}.translations: 'fr' is not one of the city's other languages "
        "(expected one of: es)."
    ]


def test_a_field_the_element_does_not_translate_is_refused():
    document = translated_plan()
    measure = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"][0]
    measure["translations"]["es"]["unit"] = "por ciento"
    assert problems_of(document) == [
        f"{WHERE}.objectives[0].measures[0].translations.es: 'unit' cannot be translated "
        "here (expected one of: title, definition, data_source)."
    ]


def test_a_translation_that_is_not_text_is_refused():
    document = translated_plan()
    document["priority_areas"][0]["translations"] = {"es": {"title": ["Infraestructura"]}}
    assert problems_of(document) == [
        "priority_areas[0].translations.es.title: expected text, got list."
    ]


def test_a_one_language_city_takes_no_translations(bilingual_city):
    bilingual_city.languages = ["en"]
    bilingual_city.save()
    assert problems_of(translated_plan())[0] == (
        "priority_areas[0].translations: 'es' is not one of the city's other languages "
        "(expected one of: none (the city has one language))."
    )


def test_the_model_validates_its_translations_too():
    load_plan(translated_plan(), "tiny.yaml")
    goal = Goal.objects.get()
    goal.translations = {"es": {"slug": "calles"}}
    with pytest.raises(ValidationError, match="'slug' cannot be translated here"):
        goal.full_clean()


def test_a_translated_narrative_goes_back_to_draft_for_review():
    load_plan(translated_plan(), "tiny.yaml")
    narrative = GoalNarrative.objects.get()
    assert narrative.state == GoalNarrative.State.APPROVED
    narrative.translations = {"es": {"context": "Otra cosa."}}
    narrative.save()
    narrative.refresh_from_db()
    assert narrative.state == GoalNarrative.State.DRAFT
