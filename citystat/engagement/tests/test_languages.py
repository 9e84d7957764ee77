"""Updates and written answers in each of the city's languages (docs/engagement.md,
"Languages"): validated like plan content, written side by side by staff, read by
residents in their language, and an untranslated one shown in English, marked."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from citystat.accounts.testing import signed_in
from citystat.city.models import CityProfile
from citystat.engagement.models import Question, Update
from citystat.engagement.panels import agenda_questions_for

FALLBACK = '<span lang="en">{}</span> <small class="translation-fallback">(en inglés)</small>'


@pytest.fixture
def bilingual(city) -> CityProfile:
    city.languages = ["en", "es"]
    city.save()
    cache.clear()
    return city


def spanish(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200, url
    return response.content.decode()


def published(**fields) -> Update:
    fields.setdefault("published_at", timezone.now())
    return Update.objects.create(**fields)


# The models' validation


def test_an_update_keeps_only_its_title_and_body_in_the_citys_other_languages(bilingual):
    update = Update(title="Trees", slug="trees", body="Planted.")
    update.translations = {"es": {"title": " Árboles ", "body": "  "}}
    update.full_clean()
    assert update.translations == {"es": {"title": "Árboles"}}
    for wrong, says in [
        ({"fr": {"title": "Arbres"}}, "'fr' is not one of the city's other languages"),
        ({"en": {"title": "Trees"}}, "'en' is the default language"),
        ({"es": {"slug": "arboles"}}, "'slug' cannot be translated here"),
        ({"es": {"body": 3}}, "translations.es.body: expected text, got int"),
    ]:
        update.translations = wrong
        with pytest.raises(ValidationError) as refused:
            update.full_clean()
        assert says in str(refused.value.message_dict["translations"])


def test_a_question_translates_its_answer_never_the_residents_own_words(bilingual):
    question = Question(text="¿Cuándo?", channel=Question.Channel.FORM)
    question.translations = {"es": {"answer": "El lunes."}}
    question.full_clean()
    question.translations = {"es": {"text": "When?"}}
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    assert "'text' cannot be translated here" in str(refused.value)


# Staff write each language side by side


UPDATE_FORM = {
    "title": "Trees planted in Ivanhoe",
    "title__es": "Árboles plantados en Ivanhoe",
    "slug": "trees",
    "body": "Forty new trees.\n\nMore in spring.",
    "body__es": "Cuarenta árboles nuevos.\n\nMás en primavera.",
    "publish": "on",
}


def test_the_update_form_puts_each_language_beside_its_field(bilingual, mona):
    page = signed_in(mona).get("/staff/updates/new/").content.decode()
    assert '<div class="plan-languages">' in page
    assert 'name="title__es"' in page and 'name="body__es"' in page
    assert 'lang="es"' in page
    assert "Title (Spanish)" in page and "Body (Spanish)" in page
    # The Spanish title comes right after the English one, inside the same group.
    group = page.split('<div class="plan-languages">')[1]
    assert group.index('name="title"') < group.index('name="title__es"')


def test_a_refused_update_keeps_every_language_and_saves_nothing(bilingual, mona):
    client = signed_in(mona)
    refused = client.post("/staff/updates/new/", {**UPDATE_FORM, "filter_text": "no equals"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'value="Árboles plantados en Ivanhoe"' in page
    assert "Cuarenta árboles nuevos." in page
    assert not Update.objects.exists()

    assert client.post("/staff/updates/new/", UPDATE_FORM).status_code == 302
    update = Update.objects.get()
    assert update.translations == {
        "es": {
            "title": "Árboles plantados en Ivanhoe",
            "body": "Cuarenta árboles nuevos.\n\nMás en primavera.",
        }
    }
    # Editing shows what is stored; clearing the Spanish body drops it.
    edit = client.get(f"/staff/updates/{update.pk}/").content.decode()
    assert 'value="Árboles plantados en Ivanhoe"' in edit
    client.post(f"/staff/updates/{update.pk}/", {**UPDATE_FORM, "body__es": " "})
    update.refresh_from_db()
    assert update.translations == {"es": {"title": "Árboles plantados en Ivanhoe"}}


def test_staff_answer_in_both_languages_and_a_refused_answer_keeps_the_spanish(
    bilingual, mona, make_question
):
    question = make_question(state=Question.State.APPROVED)
    client = signed_in(mona)
    url = f"/staff/questions/{question.pk}/"
    page = client.get(url).content.decode()
    assert 'name="answer__es"' in page and "Answer residents will read (Spanish)" in page

    spanish_answer = "Las cuadrillas empiezan el lunes."
    refused = client.post(url, {"action": "answer", "answer": " ", "answer__es": spanish_answer})
    assert refused.status_code == 400
    assert "Write the answer residents will read." in refused.content.decode()
    assert spanish_answer in refused.content.decode()
    question.refresh_from_db()
    assert (question.state, question.answer, question.translations) == ("approved", "", {})

    sent = {"action": "answer", "answer": "Crews start Monday.", "answer__es": spanish_answer}
    assert client.post(url, sent).status_code == 302
    question.refresh_from_db()
    assert question.answer == "Crews start Monday."
    assert question.translations == {"es": {"answer": spanish_answer}}
    # Another action leaves the stored answer, in both languages, in the answer fields.
    again = client.post(url, {"action": "merge", "merge_into": 99999}).content.decode()
    assert spanish_answer in again and "Crews start Monday." in again


# Residents read them in their language


def test_the_spanish_update_pages_read_the_spanish_and_mark_the_rest(client, bilingual, plan):
    published(
        title="Trees planted",
        slug="trees",
        body="Forty new trees.\n\nMore in spring.",
        translations={"es": {"title": "Árboles plantados", "body": "Cuarenta.\n\nMás."}},
    )
    published(title="Street sweeping", slug="sweeping", body="Every Tuesday.")
    page = spanish(client, "/updates/trees/")
    assert "<h1>Árboles plantados</h1>" in page
    assert "<title>Árboles plantados ·" in page
    assert "<p>Cuarenta.</p>\n\n<p>Más.</p>" in page
    assert "Forty new trees" not in page and "translation-fallback" not in page

    untranslated = spanish(client, "/updates/sweeping/")
    assert "<h1>" + FALLBACK.format("Street sweeping") + "</h1>" in untranslated
    assert '<div lang="en"><p>Every Tuesday.</p></div>' in untranslated
    assert '<small class="translation-fallback">(en inglés)</small></p>' in untranslated

    listing = spanish(client, "/updates/")
    assert ">Árboles plantados</a>" in listing
    assert "<p>Cuarenta. Más.</p>" in listing
    assert FALLBACK.format("Street sweeping") in listing
    assert FALLBACK.format("Every Tuesday.") in listing
    home = spanish(client, "/")
    assert ">Árboles plantados</a>" in home
    assert FALLBACK.format("Street sweeping") in home

    english = client.get("/updates/trees/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Trees planted</h1>" in english and "Árboles" not in english


def test_the_spanish_question_pages_read_the_spanish_answer(client, bilingual, make_question):
    answered = make_question(
        text="When will Troost be fixed?",
        state=Question.State.ANSWERED,
        answer="Crews start Monday.",
        answered_at=timezone.now(),
        translations={"es": {"answer": "Las cuadrillas empiezan el lunes."}},
    )
    english_only = make_question(
        text="Why so slow?",
        state=Question.State.ANSWERED,
        answer="Two crews are short.",
        answered_at=timezone.now(),
    )
    page = spanish(client, f"/questions/{answered.pk}/")
    assert "Las cuadrillas empiezan el lunes." in page
    assert "Crews start Monday." not in page
    # The resident's own words stay as written.
    assert "When will Troost be fixed?" in page
    listing = spanish(client, "/questions/")
    assert "Las cuadrillas empiezan el lunes." in listing
    assert FALLBACK.format("Two crews are short.") in listing
    assert FALLBACK.format("Two crews are short.") in spanish(
        client, f"/questions/{english_only.pk}/"
    )


def test_an_answer_written_only_in_spanish_still_shows_on_the_spanish_page(
    client, bilingual, make_question
):
    """`{% if question.answer %}` hid an answer whose default text was blank."""
    answered = make_question(
        state=Question.State.ANSWERED,
        translations={"es": {"answer": "Solo en español."}},
    )
    page = spanish(client, f"/questions/{answered.pk}/")
    assert "Solo en español." in page


def test_the_briefings_answer_follows_the_readers_language(bilingual, meeting, make_question):
    make_question(
        meeting=meeting,
        state=Question.State.ANSWERED,
        answer="Crews start Monday.",
        translations={"es": {"answer": "El lunes."}},
    )
    with translation.override("es"):
        assert [q.answer for q in agenda_questions_for(meeting)] == ["El lunes."]
    with translation.override("en"):
        assert [q.answer for q in agenda_questions_for(meeting)] == ["Crews start Monday."]


def test_a_translation_edit_shows_on_the_next_anonymous_visit_despite_the_page_cache(
    client, bilingual
):
    update = published(title="Trees planted", slug="trees", body="Forty new trees.")
    assert "<h1>" + FALLBACK.format("Trees planted") + "</h1>" in spanish(client, "/updates/trees/")
    with CaptureQueriesContext(connection) as queries:
        spanish(client, "/updates/trees/")
    assert len(queries) == 0  # the page is kept
    # No signal: the write itself moves the content stamp.
    Update.objects.filter(pk=update.pk).update(translations={"es": {"title": "Árboles"}})
    assert "<h1>Árboles</h1>" in spanish(client, "/updates/trees/")


def test_search_finds_updates_by_their_spanish_text_and_shows_it(client, bilingual):
    published(
        title="Trees planted",
        slug="trees",
        body="Forty new trees.",
        translations={"es": {"title": "Árboles plantados", "body": "Cuarenta árboles."}},
    )
    published(title="Street sweeping", slug="sweeping", body="Every Tuesday.")
    found = spanish(client, "/search/?q=cuarenta")
    assert '<a href="/updates/trees/">Árboles plantados</a>' in found
    english = spanish(client, "/search/?q=sweeping")
    assert '<a href="/updates/sweeping/" lang="en">Street <mark>sweeping</mark></a>' in english
