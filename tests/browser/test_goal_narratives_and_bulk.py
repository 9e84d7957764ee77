"""Goal narratives and bulk work in Debian's chromium, at desktop and phone widths and in
Spanish: a goal narrative drafted, approved and public; another department's goal
refused; one change to many measures without and then with a reason; a mixed selection
refused; a values file with a bad line refused, then saved once corrected."""

from __future__ import annotations

import pytest

from citystat.plan.models import GoalNarrative, Measure, MeasureValue
from tests.browser.test_plan_editor import DESKTOP, PHONE, city, signed_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_city(city):  # noqa: F811
    """The plan editor's tiny city: both measures Public Works', bob a Water editor."""
    return city


ENGLISH = {
    "narratives": "Narratives of Fix streets",
    "period": "Period",
    "context": "Context",
    "save": "Save for review",
    "approve": "Approve and publish",
    "public": "How the goal is going (FY2025)",
    "what": "What to change",
    "owner": "New owner",
    "why": "Why",
    "apply": "Apply to the selected measures",
    "say_why": "Say why: the reason is kept in each measure's history.",
    "file": "CSV file",
    "check": "Check and save the values",
    "saved": "Saved 2 values",
    "nothing": "nothing was saved",
}
SPANISH = {
    "narratives": "Narrativas de Fix streets",
    "period": "Periodo",
    "context": "Contexto",
    "save": "Guardar para revisión",
    "approve": "Aprobar y publicar",
    "public": "Cómo va la meta (FY2025)",
    "what": "Qué cambiar",
    "owner": "Nuevo responsable",
    "why": "Por qué",
    "apply": "Aplicar a los indicadores seleccionados",
    "say_why": "Diga por qué: el motivo se guarda en el historial de cada indicador.",
    "file": "Archivo CSV",
    "check": "Revisar y guardar los valores",
    "saved": "Se guardaron 2 valores",
    "nothing": "no se guardó nada",
}
SIZES = [(DESKTOP, "", ENGLISH), (PHONE, "es", SPANISH)]
SIZE_IDS = ["desktop-english", "phone-spanish"]


def fits(page, viewport) -> None:
    """The page never scrolls sideways at this width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width}px wide"


@pytest.mark.parametrize(("viewport", "language", "words"), SIZES, ids=SIZE_IDS)
def test_a_goal_narrative_is_drafted_approved_and_public(
    plan_city,
    live_server,
    browser,
    viewport,
    language,
    words,
):
    page = signed_in(browser, live_server.url, "alice", viewport, language)
    page.goto(live_server.url + "/staff/plan/")
    with page.expect_navigation():
        page.get_by_role("link", name=words["narratives"]).click()
    fits(page, viewport)
    # A period that is none: refused beside its field, what was typed kept.
    page.get_by_label(words["period"], exact=True).fill("Spring")
    page.get_by_label(words["context"], exact=True).fill("Crews repaved 40 miles.")
    with page.expect_navigation():
        page.get_by_role("button", name=words["save"]).click()
    assert "Spring" in page.locator(".field__error").first.inner_text()
    assert page.get_by_label(words["context"], exact=True).input_value() == (
        "Crews repaved 40 miles."
    )
    assert not GoalNarrative.objects.exists()
    page.get_by_label(words["period"], exact=True).fill("FY2025")
    with page.expect_navigation():
        page.get_by_role("button", name=words["save"]).click()
    assert GoalNarrative.objects.get().state == GoalNarrative.State.DRAFT
    public = browser.new_context(viewport=viewport)
    if language:
        public.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    resident = public.new_page()
    resident.goto(live_server.url + "/goals/fix-streets/")
    assert "Crews repaved 40 miles." not in resident.content()
    with page.expect_navigation():
        page.get_by_role("button", name=words["approve"]).click()
    assert GoalNarrative.objects.get().state == GoalNarrative.State.APPROVED
    resident.goto(live_server.url + "/goals/fix-streets/")
    heading = resident.get_by_role("heading", name=words["public"])
    assert heading.is_visible()
    assert "Crews repaved 40 miles." in resident.locator(".goal-narrative").inner_text()
    fits(resident, viewport)
    public.close()
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_department_editor_is_refused_another_departments_goal_narrative(
    plan_city,
    live_server,
    browser,
    viewport,
):
    page = signed_in(browser, live_server.url, "bob", viewport)
    url = live_server.url + "/staff/plan/goals/infrastructure/fix-streets/narratives/"
    response = page.goto(url)
    assert response.status == 403
    assert "department you do not work for" in page.content()
    assert page.get_by_role("button", name="Save for review").count() == 0
    fits(page, viewport)
    assert not GoalNarrative.objects.exists()
    page.context.close()


def owners() -> dict[str, str]:
    return dict(Measure.objects.values_list("slug", "owner_name"))


@pytest.mark.parametrize(("viewport", "language", "words"), SIZES, ids=SIZE_IDS)
def test_a_bulk_change_needs_a_reason_then_changes_every_selected_measure(
    plan_city,
    live_server,
    browser,
    viewport,
    language,
    words,
):
    page = signed_in(browser, live_server.url, "alice", viewport, language)
    page.goto(live_server.url + "/staff/measures/")
    # The select-all box works from the keyboard: Space checks every measure.
    page.locator("#select-all").focus()
    page.keyboard.press("Space")
    boxes = page.locator("input[name=measures]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    page.get_by_label(words["what"], exact=True).select_option("owner")
    page.get_by_label(words["owner"], exact=True).fill("Director of Public Works")
    before = owners()
    with page.expect_navigation():
        page.get_by_role("button", name=words["apply"]).click()
    assert page.get_by_role("alert").first.is_visible()
    assert words["say_why"] in page.locator("#id_reason_error").inner_text()
    assert owners() == before
    boxes = page.locator("input[name=measures]")
    assert all(boxes.nth(i).is_checked() for i in range(2))  # the selection is kept
    assert page.get_by_label(words["owner"], exact=True).input_value() == (
        "Director of Public Works"
    )
    fits(page, viewport)
    page.get_by_label(words["why"], exact=True).fill("Reorganisation of July")
    with page.expect_navigation():
        page.get_by_role("button", name=words["apply"]).click()
    assert set(owners().values()) == {"Director of Public Works"}
    reasons = {
        Measure.history.filter(slug=slug).order_by("-history_id").first().history_change_reason
        for slug in owners()
    }
    assert reasons == {"Reorganisation of July"}
    assert page.get_by_role("status").first.is_visible()
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_bulk_change_mixing_departments_is_refused_naming_the_measures(
    plan_city,
    live_server,
    browser,
    viewport,
):
    Measure.objects.filter(slug="main-breaks").update(department=plan_city["water"])
    page = signed_in(browser, live_server.url, "bob", viewport)
    page.goto(live_server.url + "/staff/measures/")
    page.locator("#select-main-breaks").check()
    page.locator("#select-potholes-7-days").check()
    page.get_by_label("What to change", exact=True).select_option("owner")
    page.get_by_label("New owner", exact=True).fill("Bob")
    page.get_by_label("Why", exact=True).fill("Our manager")
    before = owners()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply to the selected measures").click()
    alert = page.get_by_role("alert").first.inner_text()
    assert "You may not change Potholes closed within 7 days (Public Works)" in alert
    assert "Water main breaks" not in alert
    assert owners() == before
    fits(page, viewport)
    page.context.close()


BAD = "measure,period,value,source_note\nmain-breaks,2025-Q1,3,Log\nmain-breaks,2025-07,4,Log\n"
GOOD = "measure,period,value,source_note\nmain-breaks,2025-Q1,3,Log\nmain-breaks,2025-Q2,4,Log\n"


@pytest.mark.parametrize(("viewport", "language", "words"), SIZES, ids=SIZE_IDS)
def test_a_values_file_with_a_bad_line_saves_nothing_then_the_corrected_file_saves(
    plan_city,
    live_server,
    browser,
    viewport,
    language,
    words,
):
    page = signed_in(browser, live_server.url, "alice", viewport, language)
    page.goto(live_server.url + "/staff/bulk/values/")
    upload = page.get_by_label(words["file"], exact=True)
    upload.set_input_files({"name": "values.csv", "mimeType": "text/csv", "buffer": BAD.encode()})
    with page.expect_navigation():
        page.get_by_role("button", name=words["check"]).click()
    alert = page.get_by_role("alert").first.inner_text()
    assert words["nothing"] in alert
    assert "line 3 (main-breaks): main-breaks is reported by quarter" in alert
    assert not MeasureValue.objects.exists()
    fits(page, viewport)
    upload = page.get_by_label(words["file"], exact=True)
    upload.set_input_files({"name": "values.csv", "mimeType": "text/csv", "buffer": GOOD.encode()})
    with page.expect_navigation():
        page.get_by_role("button", name=words["check"]).click()
    assert page.get_by_role("heading", name=words["saved"]).is_visible()
    saved = dict(MeasureValue.objects.values_list("period", "value"))
    assert saved == {"2025-Q1": 3.0, "2025-Q2": 4.0}
    rows = page.locator("table tbody tr").all_inner_texts()
    assert [row.split("\t")[:3] for row in rows] == [
        ["main-breaks", "2025-Q1", "3"],
        ["main-breaks", "2025-Q2", "4"],
    ]
    page.context.close()
