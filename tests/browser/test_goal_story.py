"""A goal page tells its story in Debian's chromium: strategies with their progress, every
objective with its measures' latest value, target and status; at desktop and phone width,
in English and Spanish, and from a mistyped goal address back to the goal."""

from __future__ import annotations

import pytest
import time_machine

from citystat.city.models import CityProfile, Department
from citystat.plan.models import Goal, Objective, Strategy
from citystat.public.tests.measure_city import build_measure_city

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
ENGLISH = ["Under way", "Planned", "Needs attention", "What the city is doing", "Latest value"]


@pytest.fixture
def city(transactional_db):
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        build_measure_city()
        CityProfile.objects.update(languages=["en", "es"])
        goal = Goal.objects.get(slug="streets")
        Objective.objects.create(goal=goal, title="Resurface the worst streets", position=2)
        Strategy.objects.create(
            goal=goal,
            title="Resurface the streets with the most pothole reports first",
            description="Streets reported again and again move up the resurfacing list.",
            progress=Strategy.Progress.PLANNED,
            department=Department.objects.create(code="pw", name="Public Works"),
            position=2,
        )
        yield goal


def open_page(browser, live_server, width: str, language: str = "en"):
    context = browser.new_context(viewport=VIEWPORTS[width])
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context, context.new_page()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_resident_reads_the_goals_strategies_objectives_and_measures(
    city, live_server, browser, width
):
    context, page = open_page(browser, live_server, width)
    try:
        page.goto(live_server.url + "/goals/streets/")
        assert page.get_by_role("heading", level=1).inner_text() == "Keep streets in good repair"
        strategies = page.locator(".goal-strategies").inner_text()
        assert "Weekend pothole blitz" in strategies and "Under way" in strategies
        assert "Planned" in strategies and "Led by Public Works" in strategies
        table = page.get_by_role("table", name="Measures of the objective “Fix potholes fast”")
        row = table.get_by_role("row").filter(has_text="Potholes closed within 7 days")
        text = row.inner_text()
        assert "85.0%" in text and "90.0%" in text and "Needs attention" in text, text
        assert (
            "This objective has no published measures yet."
            in page.locator(".goal-objectives").inner_text()
        )
        # Nothing is wider than the screen, on a phone too (the table stacks its rows).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        with page.expect_navigation():
            row.get_by_role("link", name="Potholes closed within 7 days").click()
        assert page.url.endswith("/measures/potholes-closed/")
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_goal_page_reads_in_spanish(city, live_server, browser, width):
    context, page = open_page(browser, live_server, width, "es")
    try:
        page.goto(live_server.url + "/goals/streets/")
        assert page.locator("html").get_attribute("lang") == "es"
        main = page.locator("main").inner_text()
        assert "Lo que hace la ciudad" in main and "Objetivos y sus indicadores" in main
        assert "En curso" in main and "Planificada" in main and "A cargo de Public Works" in main
        row = page.get_by_role("row").filter(has_text="Potholes closed within 7 days").inner_text()
        assert "85,0" in row and "90,0" in row and "85.0" not in row, row
        assert not [word for word in ENGLISH if word in main], main
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_mistyped_goal_address_says_so_and_leads_to_the_goal(city, live_server, browser, width):
    context, page = open_page(browser, live_server, width)
    try:
        response = page.goto(live_server.url + "/goals/street/")
        assert response.status == 404
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        with page.expect_navigation():
            page.get_by_role("link", name="Keep streets in good repair").last.click()
        assert page.url.endswith("/goals/streets/")
        assert page.locator(".goal-objectives").is_visible()
    finally:
        context.close()


def test_the_goal_page_has_no_accessibility_violations(city, live_server, audit_page, axe):
    audit_page.goto(live_server.url + "/goals/streets/")
    assert axe(audit_page) == []
