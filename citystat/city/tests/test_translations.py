"""Plan content in the city's languages: the one lookup, its fallback and validation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from citystat.city.translations import (
    LocalText,
    TranslationError,
    localized,
    translation_languages,
    validate_translations,
)

GOAL = SimpleNamespace(
    title="Fix streets faster",
    summary="",
    translations={"es": {"title": "Reparar calles más rápido"}},
)


def test_the_default_language_reads_the_models_own_field():
    assert localized(GOAL, "title", "en") == LocalText("Fix streets faster", "en", False)


def test_another_language_reads_its_translation():
    assert localized(GOAL, "title", "es") == LocalText("Reparar calles más rápido", "es", False)
    # A regional variant of the language finds the language's text.
    assert localized(GOAL, "title", "es-mx").text == "Reparar calles más rápido"


def test_a_missing_translation_falls_back_to_the_default_and_says_so():
    untranslated = SimpleNamespace(title="Clean parks", translations={"es": {"title": "  "}})
    assert localized(untranslated, "title", "es") == LocalText("Clean parks", "en", True)
    assert localized(SimpleNamespace(title="X", translations={}), "title", "fr").fell_back


def test_a_blank_default_is_not_marked_as_a_fallback():
    assert localized(GOAL, "summary", "es") == LocalText("", "en", False)


def test_the_active_language_is_used_when_none_is_given():
    with translation.override("es"):
        assert localized(GOAL, "title").text == "Reparar calles más rápido"


def test_translation_languages_leave_out_the_default():
    assert translation_languages(["en", "es", "es", "vi"]) == ["es", "vi"]


def test_validation_keeps_only_non_blank_texts():
    cleaned = validate_translations(
        {"es": {"title": " Calles ", "summary": ""}, "vi": {}},
        ["title", "summary"],
        ["en", "es", "vi"],
    )
    assert cleaned == {"es": {"title": "Calles"}}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"fr": {"title": "Rues"}},
            "'fr' is not one of the city's other languages (expected one of: es)",
        ),
        ({"en": {"title": "Streets"}}, "'en' is the default language"),
        ({"es": {"slug": "calles"}}, "'slug' cannot be translated here (expected one of: title)"),
        ({"es": {"title": 3}}, "translations.es.title: expected text, got int"),
        ({"es": "Calles"}, "translations.es: expected a mapping of field to text, got str"),
        (["es"], "expected a mapping of language code to texts, got list"),
    ],
)
def test_validation_refuses_what_the_city_cannot_hold(value, message):
    with pytest.raises(TranslationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_translations(value, ["title"], ["en", "es"])


def test_the_filter_marks_a_fallback_with_lang_and_a_note_in_the_readers_language():
    template = Template('{% load city_languages %}{{ goal|localized:"title" }}')
    untranslated = SimpleNamespace(title="Clean <parks>", translations={})
    with translation.override("es"):
        html = template.render(Context({"goal": untranslated}))
        translated = template.render(Context({"goal": GOAL}))
    assert html == (
        '<span lang="en">Clean &lt;parks&gt;</span> '
        '<small class="translation-fallback">(en inglés)</small>'
    )
    assert translated == "Reparar calles más rápido"
    with translation.override("en"):
        assert template.render(Context({"goal": untranslated})) == "Clean &lt;parks&gt;"
