"""The demo city tells the plan's story: strategies, narratives, answers and follow-ups that
match what they are about, with figures that agree with the stored values."""

from __future__ import annotations

import re

import pytest
import yaml
from django.utils import translation

from citystat.demo.build import PLAN_FILE, build_demo_city
from citystat.demo.engagement import ANSWERS_ES, QUESTIONS
from citystat.engagement.models import Question, Update
from citystat.meetings.models import FollowUp
from citystat.plan import display
from citystat.plan.models import Goal, GoalNarrative, Measure, MeasureValue, Narrative

# Words that say nothing about a subject: two texts sharing only these are not about
# the same thing ("How long does the city take…" and "…the city has budgeted…").
COMMON = set(
    [
        "about",
        "after",
        "again",
        "along",
        "also",
        "answer",
        "before",
        "being",
        "city",
        "city's",
        "could",
        "crews",
        "data",
        "does",
        "done",
        "each",
        "every",
        "from",
        "have",
        "here",
        "into",
        "just",
        "long",
        "measure",
        "month",
        "more",
        "most",
        "once",
        "other",
        "our",
        "page",
        "plans",
        "shown",
        "some",
        "street",
        "take",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "through",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "within",
        "would",
        "year",
        "your",
    ]
)


def subject_words(text: str) -> set[str]:
    """Return the words of `text` that can name a subject, singular ("potholes" → "pothole")."""
    words = set()
    for word in re.findall(r"[a-z0-9']+", text.lower()):
        word = word.removesuffix("'s")
        if len(word) < 4 or word in COMMON:
            continue
        words.add(word[:-1] if word.endswith("s") and not word.endswith("ss") else word)
    return words


def test_the_keyword_check_would_have_caught_the_pothole_answered_about_trail_lights():
    question = "How long does the city take to fix a pothole once it is reported?"
    answer = (
        "Public Works has budgeted new lights for the trail next fiscal year; the schedule "
        "will be posted on the updates page."
    )
    assert not subject_words(question) & subject_words(answer)


@pytest.mark.parametrize(("question", "answer", "slug"), QUESTIONS)
def test_each_demo_answer_shares_its_subject_with_its_question(question, answer, slug):
    assert subject_words(question) & subject_words(answer), (question, answer)


@pytest.fixture
def demo(settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    return build_demo_city(rows=3_000, seed=7)


@pytest.mark.django_db
def test_the_demo_tells_the_plans_story(demo):
    # Every goal has a strategy, each with the department that leads it.
    for goal in Goal.objects.filter(priority_area__plan__is_current=True):
        strategies = list(goal.strategies.all())
        assert strategies, goal.slug
        assert all(s.department_id and s.progress for s in strategies), goal.slug
        # In Spanish too: the title and what the strategy does.
        assert all(s.translations["es"].get("description") for s in strategies), goal.slug

    # An approved narrative for every public measure with data, citing its latest value.
    with_data = Measure.objects.filter(
        is_public=True,
        values__breakdown="",
        values__value__isnull=False,
        values__is_partial=False,
    ).distinct()
    assert with_data.count() > 20
    for measure in with_data:
        values = list(
            # Complete periods only: a partial one is shown but never judged or told.
            MeasureValue.objects.filter(
                measure=measure, breakdown="", value__isnull=False, is_partial=False
            )
            .order_by("period_start")
            .values_list("period", "value")
        )
        narrative = Narrative.objects.approved().get(measure=measure)
        period, latest = values[-1]
        assert narrative.period == period
        assert f"stood at {display.value_text(latest, measure.unit)}." in narrative.context
        # The direction it states is the direction of the stored values.
        if len(values) > 1:
            before = values[-2][1]
            said = re.search(r"That is (up|down|the same)", narrative.context)
            assert said, narrative.context
            places = display.style_of(measure.unit).decimals
            if round(latest - before, places) == 0:
                expected = "the same"
            else:
                expected = "up" if latest > before else "down"
            assert said.group(1) == expected, (measure.slug, before, latest, narrative.context)
        assert narrative.actions and narrative.next_steps
        # The Spanish account gives the same figure, in Spanish forms.
        spanish = narrative.translations["es"]
        with translation.override("es"):
            figure = display.value_text(latest, measure.unit)
        assert f"se situó en {figure}." in spanish["context"], spanish["context"]
        if len(values) > 1 and expected != "the same":
            word = "más" if expected == "up" else "menos"
            assert f" {word} que en " in spanish["context"], spanish["context"]
        assert spanish["actions"] and spanish["next_steps"]
    for goal_narrative in GoalNarrative.objects.approved():
        spanish = goal_narrative.translations["es"]
        assert all(spanish.get(name) for name in ("context", "actions", "next_steps"))
        assert "measures" not in spanish["context"]

    # Written answers share their question's subject.
    answered = Question.objects.exclude(answer="")
    assert answered.exists()
    for question in answered:
        assert subject_words(question.text) & subject_words(question.answer), question.text
        # In Spanish too, with the figure in Spanish forms ("64,5 %", not "64.5%").
        spanish = question.translations["es"]["answer"]
        assert spanish != question.answer and "The latest figure" not in spanish
    for update in Update.objects.all():
        if update.pushes.exists():
            continue  # drafted by a watch from a load, in the site's own language
        assert update.translations["es"]["title"] and update.translations["es"]["body"]

    # A follow-up names the public measure it is attached to.
    follow_ups = FollowUp.objects.select_related("measure")
    assert follow_ups.exists()
    for follow_up in follow_ups:
        assert follow_up.measure is not None and follow_up.measure.is_public
        assert f"“{follow_up.measure.title}”" in follow_up.text


@pytest.mark.parametrize(("question", "answer", "slug"), QUESTIONS)
def test_each_demo_answer_has_its_spanish_with_the_same_figure_slot(question, answer, slug):
    spanish = ANSWERS_ES[question]
    assert ("{latest}" in spanish) == ("{latest}" in answer), question
    assert spanish.strip() and spanish != answer


def test_the_demo_plan_file_defines_its_measures_in_spanish_but_one():
    document = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    measures = [
        measure
        for area in document["priority_areas"]
        for goal in area["goals"]
        for objective in goal["objectives"]
        for measure in objective["measures"]
    ]
    untranslated = [
        m["slug"]
        for m in measures
        if not (m.get("translations") or {}).get("es", {}).get("definition")
    ]
    # One measure is left in English on purpose, so the demo shows the marked fallback.
    assert untranslated == ["satisfaction-public-transportation"]
    assert "translations" not in next(m for m in measures if m["slug"] == untranslated[0])
