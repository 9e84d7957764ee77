"""Plan content in each of the city's languages, in Debian's chromium: staff write a goal's
Spanish title beside the English one (side by side on a desktop, stacked on a phone); a
save without a reason keeps what was typed and changes nothing; the Spanish public goal
page then reads it, and marks what has no Spanish yet."""

from __future__ import annotations

import pytest

from citystat.plan.models import Goal
from tests.browser.test_plan_editor import DESKTOP, PHONE, city, signed_in  # noqa: F401

pytestmark = pytest.mark.browser

EDIT = "/staff/plan/goals/infrastructure/fix-streets/"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_write_a_goals_spanish_title_beside_the_english_one(
    city,  # noqa: F811
    live_server,
    browser,
    viewport,
):
    page = signed_in(browser, live_server.url, "alice", viewport)
    page.goto(live_server.url + EDIT)
    english = page.get_by_label("Title", exact=True)
    spanish = page.get_by_label("Title (Spanish)", exact=True)
    assert spanish.get_attribute("lang") == "es"
    here, there = english.bounding_box(), spanish.bounding_box()
    assert here and there
    if viewport is DESKTOP:
        assert there["x"] > here["x"] + here["width"] / 2 and abs(there["y"] - here["y"]) < 5
    else:
        assert there["y"] > here["y"] + here["height"] and abs(there["x"] - here["x"]) < 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # No reason: refused, everything typed kept in both languages, nothing saved.
    english.fill("Fix every street")
    spanish.fill("Arreglar cada calle")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "This field is required" in page.locator("#id_reason_error").inner_text()
    assert page.get_by_label("Title", exact=True).input_value() == "Fix every street"
    assert page.get_by_label("Title (Spanish)", exact=True).input_value() == "Arreglar cada calle"
    assert Goal.objects.get().translations == {}

    page.get_by_label("Why", exact=True).fill("Spanish for the council site")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    goal = Goal.objects.get()
    assert goal.translations == {"es": {"title": "Arreglar cada calle"}}
    assert goal.history.first().history_change_reason == "Spanish for the council site"

    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto(live_server.url + "/goals/fix-streets/")
    assert page.get_by_role("heading", level=1).inner_text() == "Arreglar cada calle"
    # The objective has no Spanish: its English title, in lang="en", with the note.
    objective = page.locator("h3[id^=objective-]").first
    assert objective.locator("span[lang=en]").inner_text() == "Close pothole requests fast"
    assert objective.locator(".translation-fallback").inner_text() == "(en inglés)"
    assert objective.locator(".translation-fallback").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
