"""A translation shows even where the default language's text is blank.

Templates tested `{% if goal.summary %}`, the English text, so a goal with a Spanish
summary and no English one showed nothing on the Spanish page; they now test the text
the reader gets (`has_text`, citystat/city/templatetags/city_languages.py).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from citystat.city.models import CityProfile
from citystat.plan.models import Goal, PriorityArea, Strategy
from citystat.plan.testing import build_tiny_plan


@pytest.fixture
def plan(db):
    cache.clear()
    CityProfile.objects.create(name="Testville", languages=["en", "es"])
    built = build_tiny_plan()
    goal = Goal.objects.get(slug="streets")
    goal.summary = ""
    goal.translations = {"es": {"summary": "Baches tapados en una semana."}}
    goal.save()
    area = PriorityArea.objects.get(slug="infrastructure")
    area.summary = ""
    area.translations = {"es": {"summary": "Calles y agua fiables."}}
    area.save()
    Strategy.objects.create(
        goal=goal,
        title="Second pothole crew",
        description="",
        translations={"es": {"description": "Una segunda cuadrilla los fines de semana."}},
    )
    return built


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_spanish_summary_shows_where_the_english_one_is_blank(client, plan):
    goal = page(client, reverse("goal", args=["streets"]), "es")
    assert '<p class="lead">Baches tapados en una semana.</p>' in goal
    assert "Una segunda cuadrilla los fines de semana." in goal
    priority = page(client, reverse("priority-area", args=["infrastructure"]), "es")
    assert '<p class="lead">Calles y agua fiables.</p>' in priority
    assert "Baches tapados en una semana." in priority


def test_the_english_page_shows_the_spanish_text_nowhere_and_no_empty_paragraph(client, plan):
    goal = page(client, reverse("goal", args=["streets"]), "en")
    assert "Baches" not in goal and "cuadrilla" not in goal
    assert '<p class="lead"></p>' not in goal
