"""Public pages show plan content in the reader's language, and mark a fallback.

The Spanish title replaces the English one; an element without Spanish shows its English
text inside lang="en" with the note "(en inglés)", never an empty string.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from citystat.city.models import CityProfile
from citystat.plan.models import Goal, Measure, Objective, PriorityArea, Strategy
from citystat.plan.testing import build_tiny_plan

FALLBACK = '<span lang="en">{}</span> <small class="translation-fallback">(en inglés)</small>'


@pytest.fixture
def plan(db):
    cache.clear()
    CityProfile.objects.create(name="Testville", languages=["en", "es"])
    built = build_tiny_plan()
    area = PriorityArea.objects.get(slug="infrastructure")
    area.translations = {"es": {"title": "Infraestructura", "summary": "Calles y agua fiables."}}
    area.save()
    goal = Goal.objects.get(slug="streets")
    goal.translations = {"es": {"title": "Mantener las calles en buen estado"}}
    goal.save()
    measure = Measure.objects.get(slug="potholes-closed")
    measure.translations = {"es": {"title": "Baches cerrados", "definition": "Un indicador."}}
    measure.save()
    Strategy.objects.create(goal=goal, title="Second pothole crew", position=1)
    return built


def spanish(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    return response.content.decode()


def test_the_goal_page_in_spanish_shows_spanish_titles_and_marks_the_rest(client, plan):
    html = spanish(client, reverse("goal", args=["streets"]))
    assert "<h1>Mantener las calles en buen estado</h1>" in html
    assert "<title>Mantener las calles en buen estado ·" in html
    assert ">Infraestructura</a>" in html
    # Untranslated objective and strategy: English, marked, never empty.
    assert FALLBACK.format("Fix potholes fast") in html
    assert FALLBACK.format("Second pothole crew") in html
    assert ">Baches cerrados</a>" in html
    assert "Keep streets in good repair" not in html


def test_the_same_page_in_english_has_no_marks(client, plan):
    html = client.get(reverse("goal", args=["streets"]), HTTP_ACCEPT_LANGUAGE="en").content
    text = html.decode()
    assert "<h1>Keep streets in good repair</h1>" in text
    assert "translation-fallback" not in text
    assert "Mantener" not in text


def test_home_and_priority_pages_read_the_translations(client, plan):
    priority = spanish(client, reverse("priority-area", args=["infrastructure"]))
    assert "<h1>Infraestructura</h1>" in priority
    assert "Calles y agua fiables." in priority
    assert FALLBACK.format("Deliver clean, reliable water") in priority
    home = spanish(client, "/")
    assert "Infraestructura" in home
    assert FALLBACK.format("Public Safety") in home


def test_the_measure_page_reads_title_and_definition_in_spanish(client, plan):
    html = spanish(client, reverse("measure", args=["potholes-closed"]))
    assert "<h1>Baches cerrados</h1>" in html
    assert '<meta property="og:title" content="Baches cerrados">' in html
    assert "Un indicador." in html
    assert "A measure for the tests." not in html
    # The breadcrumb's untranslated objective is not there; the goal is in Spanish.
    assert ">Mantener las calles en buen estado</a>" in html


def test_a_translation_edit_shows_at_once_despite_the_page_cache(client, plan):
    url = reverse("goal", args=["streets"])
    spanish(client, url)
    objective = Objective.objects.get(title="Fix potholes fast")
    objective.translations = {"es": {"title": "Arreglar baches pronto"}}
    objective.save()
    assert re.search(r">\s*Arreglar baches pronto\s*<", spanish(client, url))


def test_search_finds_and_shows_spanish_titles(client, plan):
    html = spanish(client, reverse("search") + "?q=baches")
    assert "<mark>Baches</mark> cerrados" in html
    water = spanish(client, reverse("search") + "?q=water")
    assert 'lang="en">Deliver clean, reliable <mark>water</mark></a>' in water


def test_how_we_measure_names_changed_elements_in_spanish(client, plan):
    goal = Goal.objects.get(slug="streets")
    goal.summary = "Potholes first."
    goal.save()
    html = spanish(client, "/how-we-measure/")
    assert "Mantener las calles en buen estado" in html
