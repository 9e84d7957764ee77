"""Meeting day in Debian's chromium (#21): the meeting screen's follow-up errors beside the
fields, one follow-up for a double click, an answer given live (refused with the reason
and the text kept, then published), held refused before the start; a follow-up due
before the next meeting on that meeting's agenda whatever the rotation; and the resident
pages of a past, a live and an upcoming meeting in English and Spanish, desktop and phone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from citystat.accounts.models import StaffProfile
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import CityProfile, Department
from citystat.engagement.models import Question
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.models import FollowUp, Meeting, MeetingSeries, RotationSlot
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, Plan, Target

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def city(transactional_db) -> dict:
    CityProfile.objects.create(
        name="Kansas City", languages=["en", "es"], time_zone="America/Chicago"
    )
    works = Department.objects.create(code="public-works", name="Public Works")
    plan = Plan.objects.create(
        title="Plan", slug="plan", first_fiscal_year=2025, last_fiscal_year=2029, is_current=True
    )
    areas = [
        plan.priority_areas.create(slug=slug, title=title, position=number)
        for number, (slug, title) in enumerate(
            [("infrastructure", "Infrastructure"), ("safety", "Public Safety"),
             ("health", "Healthy Communities")]
        )
    ]  # fmt: skip
    goal = Goal.objects.create(priority_area=areas[0], slug="roads", title="Good roads")
    objective = Objective.objects.create(goal=goal, title="Fix potholes fast")
    measure = Measure.objects.create(
        objective=objective, slug="potholes-on-time", title="Potholes filled on time",
        definition="Share of potholes filled within 5 days.", unit="percent",
        direction="higher", frequency="month", department=works,
    )  # fmt: skip
    Target.objects.create(measure=measure, fiscal_year=2000, value=90, tolerance=5)
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    MeasureValue.objects.create(
        measure=measure, period=f"{end:%Y-%m}", period_start=end.replace(day=1), period_end=end,
        value=81.0,
    )  # fmt: skip
    series = MeetingSeries.objects.create(
        slug="kcstat", title="KCStat", rule="FREQ=WEEKLY;BYDAY=MO,TH",
        first_date=dt.date(2026, 1, 1), time_zone="America/Chicago",
        location="City Hall, 26th floor", livestream_url="https://www.youtube.com/watch?v=abcDEF12345",
    )  # fmt: skip
    for position, area in enumerate(areas):
        RotationSlot.objects.create(series=series, priority_area=area, position=position)
    now = timezone.now()

    def meeting(area, starts, **fields) -> Meeting:
        return Meeting.objects.create(
            series=series, title="KCStat", priority_area=area, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2), time_zone="America/Chicago", **fields,
        )  # fmt: skip

    past = meeting(areas[2], now - dt.timedelta(days=3), status=Meeting.Status.HELD)
    live = meeting(areas[0], now + dt.timedelta(days=1))
    draft_agenda(live)
    publish_agenda(live)
    Meeting.objects.filter(pk=live.pk).update(starts_at=now - dt.timedelta(minutes=20))
    upcoming = meeting(areas[1], now + dt.timedelta(days=5))
    sync_roles()
    alice = User.objects.create_user("alice", "alice@example.gov", PASSWORD, first_name="Alice")
    StaffProfile.objects.create(user=alice).departments.add(works)
    grant_role(alice, "performance-staff")
    question = Question.objects.create(
        text="When are the potholes on Troost fixed?", meeting_id=live.pk,
        state=Question.State.APPROVED, live=Question.Live.ON_SCREEN, shown_at=now,
    )  # fmt: skip
    return {
        "areas": areas, "works": works, "past": past, "live": Meeting.objects.get(pk=live.pk),
        "upcoming": upcoming, "alice": alice, "question": question, "series": series,
    }  # fmt: skip


def staff_page(browser, base_url: str, width: str = "desktop", audit: bool = False):
    columns, rows = WIDTHS[width]
    # axe-core is injected as a script, which the site's CSP rightly blocks.
    context = browser.new_context(viewport={"width": columns, "height": rows}, bypass_csp=audit)
    page = context.new_page()
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_follow_up_errors_show_beside_the_field_and_a_double_click_records_one(
    city, live_server, browser, width
):
    page = staff_page(browser, live_server.url, width)
    try:
        live = city["live"]
        page.goto(f"{live_server.url}/staff/meetings/{live.pk}/screen/")
        page.get_by_label("Text", exact=True).fill("Publish the pothole backlog")
        page.get_by_label("Owner department").select_option(label="Public Works")
        page.get_by_role("button", name="Record follow-up").click()
        owner_error = page.locator("#id_owner_error")
        owner_error.wait_for(timeout=10_000)
        assert owner_error.inner_text() == "Choose the person who answers for it."
        assert owner_error.is_visible()
        assert page.locator("#id_due_on_error").inner_text() == "Give a due date (YYYY-MM-DD)."
        assert page.get_by_label("Text", exact=True).input_value() == "Publish the pothole backlog"
        assert page.locator("#captured").inner_text() == "None yet."
        assert not FollowUp.objects.exists()

        page.get_by_label("Owner", exact=True).select_option(label="Alice")
        due = timezone.localdate() + dt.timedelta(days=30)
        page.get_by_label("Due date").fill(due.isoformat())
        page.get_by_role("button", name="Record follow-up").dblclick()
        page.locator("#captured", has_text="Publish the pothole backlog").wait_for(timeout=10_000)
        page.wait_for_load_state("networkidle")
        assert FollowUp.objects.count() == 1
        assert page.locator("#captured li").count() == 1
        assert page.get_by_label("Text", exact=True).input_value() == ""
        # Nothing on the screen is wider than the window.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
    finally:
        page.context.close()


def test_an_answer_given_live_is_refused_with_the_reason_then_published(city, live_server, browser):
    page = staff_page(browser, live_server.url)
    try:
        live, question = city["live"], city["question"]
        page.goto(f"{live_server.url}/staff/meetings/{live.pk}/screen/")
        answer = page.get_by_label("Answer given live (plain text, published on the question)")
        answer.fill("Crews start <b>Monday</b>.")
        page.get_by_role("button", name="Answered live").click()
        error = page.locator(f"#answer-{question.pk}-error")
        assert "Write the answer as plain text" in error.inner_text()
        kept = page.get_by_label("Answer given live (plain text, published on the question)")
        assert kept.input_value() == "Crews start <b>Monday</b>."
        question.refresh_from_db()
        assert (question.state, question.answer) == ("approved", "")

        kept.fill("x" * 5001)
        page.get_by_role("button", name="Answered live").click()
        assert (
            "5,001 characters long; at most 5,000"
            in page.locator(f"#answer-{question.pk}-error").inner_text()
        )

        page.get_by_label("Answer given live (plain text, published on the question)").fill(
            "Crews start on Troost on Monday."
        )
        page.get_by_role("button", name="Answered live").click()
        page.wait_for_url(f"**/staff/meetings/{live.pk}/screen/")
        question.refresh_from_db()
        assert (question.state, question.answer) == ("answered", "Crews start on Troost on Monday.")
        resident = page.context.browser.new_context().new_page()
        resident.goto(f"{live_server.url}/questions/{question.pk}/")
        assert "Crews start on Troost on Monday." in resident.locator("main").inner_text()
        resident.context.close()
    finally:
        page.context.close()


def test_a_meeting_cannot_be_held_before_it_starts(city, live_server, browser):
    page = staff_page(browser, live_server.url)
    try:
        upcoming = city["upcoming"]
        page.goto(f"{live_server.url}/staff/meetings/{upcoming.pk}/")
        assert "can be marked held once it has started" in page.locator("#held-note").inner_text()
        page.get_by_role("button", name="Mark as held").click()
        assert "This meeting has not started yet" in page.locator(".staff-messages").inner_text()
        upcoming.refresh_from_db()
        assert upcoming.status == "scheduled"
        page.goto(f"{live_server.url}/staff/meetings/")
        upcoming_table = page.locator("table.data-table").first
        assert upcoming_table.get_by_role("link", name="KCStat").count() >= 1
    finally:
        page.context.close()


def test_a_follow_up_due_before_the_next_meeting_is_on_its_agenda_whatever_the_rotation(
    city, live_server, browser
):
    live, upcoming = city["live"], city["upcoming"]
    assert live.priority_area_id != upcoming.priority_area_id
    due = timezone.localtime(upcoming.starts_at, upcoming.zone).date() - dt.timedelta(days=2)
    FollowUp.objects.create(
        meeting=live, text="Report the valve inventory", department=city["works"],
        owner=city["alice"], due_on=due,
    )  # fmt: skip
    page = staff_page(browser, live_server.url)
    try:
        page.goto(f"{live_server.url}/staff/meetings/{upcoming.pk}/")
        page.get_by_role("button", name="Draft again from the plan").click()
        editor = page.locator("main")
        assert "Follow-up review" in editor.inner_text()
        assert "Follow-up: Report the valve inventory" in editor.inner_text()
        page.get_by_role("button", name="Publish the agenda").click()
        resident = page.context.browser.new_context().new_page()
        resident.goto(f"{live_server.url}/meetings/{upcoming.pk}/")
        agenda = resident.locator("ol.agenda").inner_text()
        assert "Follow-up: Report the valve inventory" in agenda
        assert f"due {due:%A} {due.day} {due:%B %Y}" in agenda
        resident.context.close()
    finally:
        page.context.close()


READS = {
    ("upcoming", "en"): ["Where and how to watch", "In person: City Hall, 26th floor",
                         "Add to calendar", "(Central Time)"],
    ("upcoming", "es"): ["Dónde y cómo verla", "En persona: City Hall, 26th floor",
                         "Agregar al calendario", "(hora central)"],
    ("live", "en"): ["Live now", "This meeting is taking place now.", "Watch live"],
    ("live", "es"): ["En vivo ahora", "Esta reunión se está celebrando ahora.", "Ver en vivo"],
    ("past", "en"): ["This meeting took place on", "No agenda was published for this meeting."],
    ("past", "es"): ["Esta reunión se celebró el",
                     "No se publicó ningún orden del día para esta reunión."],
}  # fmt: skip
NEVER = ["The agenda will be here by", "El orden del día estará aquí a más tardar", "America/"]


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("phase", ["past", "live", "upcoming"])
def test_resident_meeting_pages_read_right(city, live_server, browser, phase, language, width):
    meeting = city[phase]
    columns, rows = WIDTHS[width]
    context = browser.new_context(viewport={"width": columns, "height": rows})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        text = page.locator("main").inner_text()
        for words in READS[(phase, language)]:
            assert words in text, words
        for words in NEVER:
            assert words not in text, words
        if phase == "upcoming":
            with page.expect_download() as download:
                page.get_by_role("link", name="Add to calendar" if language == "en" else
                                 "Agregar al calendario").click()  # fmt: skip
            assert download.value.suggested_filename == f"meeting-{meeting.pk}.ics"
        if phase == "live":
            agenda = page.locator("ol.agenda")
            assert agenda.get_by_role("link", name="Potholes filled on time").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= columns
    finally:
        context.close()


@pytest.mark.parametrize("phase", ["past", "live", "upcoming"])
def test_the_resident_meeting_pages_pass_axe(city, live_server, audit_page, axe, phase):
    if phase == "upcoming":
        draft_agenda(city["upcoming"])
        publish_agenda(city["upcoming"])
    audit_page.goto(f"{live_server.url}/meetings/{city[phase].pk}/")
    assert axe(audit_page) == []


def test_the_series_page_passes_axe(city, live_server, browser, axe):
    page = staff_page(browser, live_server.url, audit=True)
    try:
        page.goto(f"{live_server.url}/staff/meeting-series/new/")
        page.get_by_role("button", name="Add the series").click()
        assert page.locator("#id_title_error").is_visible()
        assert axe(page) == []
    finally:
        page.context.close()
