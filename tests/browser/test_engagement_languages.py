"""Updates and answers in each of the city's languages, in Debian's chromium: a moderator
writes an update's Spanish title and body beside the English ones (side by side on a
desktop, stacked on a phone); a refused save keeps every language and saves nothing; the
saved update reads in Spanish on the public page; the Spanish question page shows the
Spanish answer, and an answer with no Spanish its English one, marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from citystat.accounts.models import StaffProfile
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import CityProfile
from citystat.city.profile import load_city_file
from citystat.engagement.models import Question, Update

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
CITY_FILE = Path(__file__).parents[2] / "citystat/engagement/tests/fixtures/city.yaml"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def bilingual_city(transactional_db) -> CityProfile:
    city = load_city_file(CITY_FILE)
    city.languages = ["en", "es"]
    city.save()
    sync_roles()
    user = User.objects.create_user("mona", "mona@example.gov", PASSWORD)
    StaffProfile.objects.create(user=user)
    grant_role(user, "moderator")
    return city


def new_page(browser, base_url: str, viewport: dict, language: str = ""):
    context = browser.new_context(viewport=viewport)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_write_an_updates_spanish_beside_the_english(
    bilingual_city, live_server, browser, viewport
):
    page = new_page(browser, live_server.url, viewport)
    page.goto(live_server.url + "/staff/login/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/staff/updates/new/")
    body = page.get_by_label("Body", exact=True)
    spanish_body = page.get_by_label("Body (Spanish)", exact=True)
    assert spanish_body.get_attribute("lang") == "es"
    # The fields' labels line up (the English body has a help line the Spanish has not).
    here = page.locator("label[for=id_body]").bounding_box()
    there = page.locator("label[for=id_body__es]").bounding_box()
    assert here and there
    if viewport is DESKTOP:
        assert there["x"] > here["x"] + 200 and abs(there["y"] - here["y"]) < 5
    else:
        below = body.bounding_box()
        assert below and there["y"] > below["y"] + below["height"]
        assert abs(there["x"] - here["x"]) < 5
    assert fits(page)

    page.get_by_label("Title", exact=True).fill("Trees planted in Ivanhoe")
    page.get_by_label("Title (Spanish)", exact=True).fill("Árboles plantados en Ivanhoe")
    page.get_by_label("Slug", exact=True).fill("trees")
    body.fill("Forty new trees.")
    spanish_body.fill("Cuarenta árboles nuevos.")
    page.get_by_label("Publish now").check()
    # A filter with no "=": refused, nothing saved, every language kept.
    page.get_by_label("Dataset filter").fill("neighborhood Ivanhoe")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "column = value" in page.locator("#id_filter_text_error").inner_text()
    assert not Update.objects.exists()
    assert page.get_by_label("Title (Spanish)", exact=True).input_value() == (
        "Árboles plantados en Ivanhoe"
    )
    assert page.get_by_label("Body (Spanish)", exact=True).input_value() == (
        "Cuarenta árboles nuevos."
    )
    assert page.get_by_label("Body", exact=True).input_value() == "Forty new trees."
    assert fits(page)

    page.get_by_label("Dataset filter").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    update = Update.objects.get()
    assert update.translations == {
        "es": {"title": "Árboles plantados en Ivanhoe", "body": "Cuarenta árboles nuevos."}
    }

    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.context.clear_cookies(name="sessionid")
    page.goto(live_server.url + "/updates/trees/")
    assert page.get_by_role("heading", level=1).inner_text() == "Árboles plantados en Ivanhoe"
    assert page.get_by_text("Cuarenta árboles nuevos.").is_visible()
    assert page.get_by_text("Forty new trees.").count() == 0
    assert fits(page)
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_spanish_question_page_shows_the_spanish_answer(
    bilingual_city, live_server, browser, viewport
):
    translated = Question.objects.create(
        text="When will the streetlights on Prospect be repaired?",
        channel="form",
        state="answered",
        answer="A crew is scheduled for next week.",
        answered_at=timezone.now(),
        translations={"es": {"answer": "Hay una cuadrilla programada para la semana próxima."}},
    )
    untranslated = Question.objects.create(
        text="Why is the park closed?",
        channel="form",
        state="answered",
        answer="The playground is being rebuilt.",
        answered_at=timezone.now(),
    )
    page = new_page(browser, live_server.url, viewport, language="es")
    page.goto(f"{live_server.url}/questions/{translated.pk}/")
    answer = page.locator(".question__answer")
    assert "Hay una cuadrilla programada para la semana próxima." in answer.inner_text()
    assert "A crew is scheduled" not in page.content()
    # The resident's own words as they wrote them.
    assert page.get_by_text("When will the streetlights on Prospect be repaired?").is_visible()
    assert fits(page)

    page.goto(f"{live_server.url}/questions/{untranslated.pk}/")
    fallback = page.locator(".question__answer span[lang=en]")
    assert fallback.inner_text() == "The playground is being rebuilt."
    note = page.locator(".question__answer .translation-fallback")
    assert note.inner_text() == "(en inglés)" and note.is_visible()
    assert fits(page)
    page.context.close()
