"""The reporting cycle: due days from each measure's frequency, the review of narratives,
completion by department, and `citystat remind` sending each reminder once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import Client

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import CityProfile, Department
from citystat.plan.cycle import (
    DONE,
    DUE,
    IN_REVIEW,
    OVERDUE,
    RETURNED,
    completion_by_department,
    duties,
)
from citystat.plan.manual import enter_value
from citystat.plan.models import Measure, Narrative, Plan, ReportingReminder
from citystat.plan.remind import send_reporting_reminders
from citystat.plan.review import APPROVE, RETURN, ReviewRefused, review
from citystat.plan.testing import add_measure


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def staff(name: str, role: str, departments=()) -> User:
    user = User.objects.create_user(name, f"{name}@example.gov", "x" * 20)
    StaffProfile.objects.create(user=user).departments.set(departments)
    grant_role(user, role)
    return user


@pytest.fixture
def city(db):
    """Fire (a monthly measure, computed, and a quarterly one, entered) and Water (monthly,
    entered) in a city whose fiscal year starts on 1 May."""
    sync_roles()
    profile = CityProfile.current()
    profile.fiscal_year_start_month, profile.fiscal_year_start_day = 5, 1
    profile.save()
    fire = Department.objects.create(code="fire", name="Fire")
    water = Department.objects.create(code="water", name="Water Services")
    measures = {
        "response": add_measure("response", {"grain": "month"}, department=fire),
        "inspections": add_measure("inspections", {}, department=fire),
        "breaks": add_measure("breaks", {}, department=water),
    }
    Measure.objects.filter(slug="inspections").update(frequency="quarter")
    measures["inspections"].refresh_from_db()
    Plan.objects.update(is_current=True)
    return {
        "measures": measures,
        "fiona": staff("fiona", Role.DEPARTMENT_EDITOR, [fire]),
        "walt": staff("walt", Role.DEPARTMENT_EDITOR, [water]),
        "alice": staff("alice", Role.PERFORMANCE_STAFF),
    }


def states(today: dt.date) -> dict[str, tuple[str, str, dt.date]]:
    return {d.measure.slug: (d.period.label, d.state, d.due) for d in duties(today=today)}


def test_each_frequency_sets_its_period_and_due_day(city):
    assert states(dt.date(2026, 11, 3)) == {
        # The latest complete month and quarter; a month is due 15 days after its end,
        # a quarter 30 days after.
        "response": ("2026-10", DUE, dt.date(2026, 11, 15)),
        "inspections": ("2026-Q3", OVERDUE, dt.date(2026, 10, 30)),
        "breaks": ("2026-10", DUE, dt.date(2026, 11, 15)),
    }
    assert states(dt.date(2026, 11, 16))["response"][1] == OVERDUE


def test_a_narrative_is_in_review_until_approved_and_an_entered_value_is_owed_too(city):
    today = dt.date(2026, 11, 3)
    response, breaks = city["measures"]["response"], city["measures"]["breaks"]
    Narrative.objects.create(measure=response, period="2026-10", context="Calm month.")
    Narrative.objects.create(measure=breaks, period="2026-10", context="Dry.")
    assert states(today)["response"][1] == IN_REVIEW
    # A measure whose values staff enter still owes its value.
    assert states(today)["breaks"][1] == DUE
    enter_value(breaks, "2026-10", 12, "work orders")
    assert states(today)["breaks"][1] == IN_REVIEW
    review(Narrative.objects.get(measure=response), city["alice"], APPROVE)
    assert states(today)["response"][1] == DONE


def test_only_the_performance_office_reviews_and_a_return_needs_comments(city):
    narrative = Narrative.objects.create(
        measure=city["measures"]["response"], period="2026-10", context="Calm."
    )
    with pytest.raises(ReviewRefused, match="Only the performance office"):
        review(narrative, city["fiona"], APPROVE)
    with pytest.raises(ReviewRefused, match="Say what should change"):
        review(narrative, city["alice"], RETURN, "   ")
    narrative.refresh_from_db()
    assert (narrative.state, narrative.reviewed_by) == (Narrative.State.DRAFT, None)
    review(narrative, city["alice"], RETURN, "Name the two stations that were closed.")
    narrative.refresh_from_db()
    assert (narrative.state, narrative.review_comment) == (
        Narrative.State.RETURNED,
        "Name the two stations that were closed.",
    )
    assert states(dt.date(2026, 11, 3))["response"][1] == RETURNED


def test_editing_an_approved_narrative_makes_it_a_draft_again(city):
    narrative = Narrative.objects.create(
        measure=city["measures"]["response"], period="2026-10", context="Calm."
    )
    review(narrative, city["alice"], APPROVE)
    narrative.refresh_from_db()
    narrative.save()  # the same words: still approved
    assert Narrative.objects.approved().count() == 1
    narrative.context = "Calm, then a storm."
    narrative.save()
    assert Narrative.objects.get().state == Narrative.State.DRAFT
    assert not Narrative.objects.approved().exists()


def test_the_review_pages_approve_return_and_refuse_department_editors(city):
    measure = city["measures"]["response"]
    fiona = signed_in(city["fiona"])
    response = fiona.post(
        "/staff/measures/response/narrative/",
        {"period": "2026-10", "context": "Calm.", "actions": "", "next_steps": ""},
    )
    assert response.status_code == 302
    url = "/staff/measures/response/narratives/2026-10/review/"
    assert fiona.post(url, {"decision": "approve"}).status_code == 403
    alice = signed_in(city["alice"])
    page = alice.get("/staff/measures/response/").content.decode()
    assert "Approve and publish" in page and "Draft, waiting for review" in page
    alice.post(url, {"decision": "return", "comment": ""})
    assert Narrative.objects.get(measure=measure).state == Narrative.State.DRAFT
    alice.post(url, {"decision": "return", "comment": "Add the stations."})
    assert Narrative.objects.get(measure=measure).state == Narrative.State.RETURNED
    # Walt edits for Water Services only.
    walt = signed_in(city["walt"])
    refused = walt.post(
        "/staff/measures/response/narrative/",
        {"period": "2026-10", "context": "Not mine.", "actions": "", "next_steps": ""},
    )
    assert refused.status_code == 403
    assert Narrative.objects.get(measure=measure).context == "Calm."


@time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
def test_completion_by_department_counts_each_state(city):
    measures = city["measures"]
    Narrative.objects.create(measure=measures["response"], period="2026-10", context="Calm.")
    review(Narrative.objects.get(), city["alice"], APPROVE)
    rows = {row.department: row for row in completion_by_department()}
    # Fire: response done; inspections (Q3, due 30 October) overdue. Water: breaks overdue.
    assert (rows["Fire"].counts[DONE], rows["Fire"].counts[OVERDUE], rows["Fire"].total) == (
        1,
        1,
        2,
    )
    assert (rows["Fire"].percent_done, rows["Water Services"].percent_done) == (50, 0)
    page = signed_in(city["alice"]).get("/staff/reporting/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Completion by department" in html and "50%" in html
    assert signed_in(city["fiona"]).get("/staff/reporting/").status_code == 403


def test_remind_sends_each_reminder_once_per_period_and_kind(city, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    early = dt.date(2026, 11, 3)  # October due 15 November: too early for a reminder
    result = send_reporting_reminders(today=early, base_url="https://stat.example.gov")
    # Only the overdue quarterly inspections (Fire) are reminded of yet.
    assert result.sent == ["fiona"]
    assert "inspections" in mail.outbox[0].body and "response" not in mail.outbox[0].body
    assert "https://stat.example.gov/staff/measures/inspections/" in mail.outbox[0].body
    assert send_reporting_reminders(today=early).sent == []  # idempotent
    soon = dt.date(2026, 11, 9)  # within 7 days of 15 November
    assert sorted(send_reporting_reminders(today=soon).sent) == ["fiona", "walt"]
    assert send_reporting_reminders(today=soon).sent == []
    late = dt.date(2026, 11, 16)  # overdue now: one more reminder each
    assert sorted(send_reporting_reminders(today=late).sent) == ["fiona", "walt"]
    assert send_reporting_reminders(today=late).sent == []
    kinds = set(ReportingReminder.objects.values_list("measure__slug", "period", "kind"))
    assert ("response", "2026-10", "due") in kinds and ("response", "2026-10", "overdue") in kinds
    assert len(mail.outbox) == 5


def test_a_failed_send_is_tried_again_on_the_next_run(city, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    today = dt.date(2026, 11, 3)
    assert send_reporting_reminders(today=today).failed == ["fiona"]
    assert not ReportingReminder.objects.exists()
    monkeypatch.undo()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_reporting_reminders(today=today).sent == ["fiona"]


@time_machine.travel(dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC))
def test_citystat_remind_sends_the_reporting_reminders_too(city, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("remind", "--site-url", "https://stat.example.gov", stdout=out)
    assert "sent 2 reporting reminder(s): fiona, walt" in out.getvalue()
    out = io.StringIO()
    call_command("remind", stdout=out)
    assert "sent 0 reporting reminder(s): -" in out.getvalue()


def test_a_measure_of_another_plan_owes_nothing(city):
    Plan.objects.update(is_current=False)
    assert duties(today=dt.date(2026, 11, 3)) == []
