"""`citystat remind`: one digest per owner per day, overdue and soon-due items only."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from citystat.meetings.models import FollowUp, Meeting, ReminderSent
from citystat.meetings.remind import send_reminders

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def owned(areas, departments, alice, bob):
    start = dt.datetime(2026, 2, 10, 15, tzinfo=dt.UTC)
    meeting = Meeting.objects.create(
        title="KCStat",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        priority_area=areas[0],
    )
    water = departments["water"]

    def follow_up(text, owner, days, status=FollowUp.Status.OPEN):
        return FollowUp.objects.create(
            meeting=meeting, text=text, department=water, owner=owner,
            due_on=TODAY + dt.timedelta(days=days), status=status,
        )  # fmt: skip

    return [
        follow_up("Map every leak", bob, -3),
        follow_up("Report crew staffing", bob, 4, FollowUp.Status.IN_PROGRESS),
        follow_up("Hire engineers", bob, 30),
        follow_up("Fix the hydrant", bob, -5, FollowUp.Status.DONE),
        follow_up("Publish the backlog", alice, 1),
    ]


def test_each_owner_gets_one_digest_of_overdue_and_soon_due_items(owned):
    result = send_reminders(TODAY, base_url="https://stat.example.gov")
    assert sorted(result.sent) == ["alice", "bob"]
    bobs = next(m for m in mail.outbox if m.to == ["bob@example.gov"])
    assert bobs.subject == "Follow-ups: 1 overdue, 1 due soon"
    assert "OVERDUE" in bobs.body and "Map every leak" in bobs.body
    assert "Report crew staffing" in bobs.body
    assert "Hire engineers" not in bobs.body and "Fix the hydrant" not in bobs.body
    assert f"https://stat.example.gov/staff/follow-ups/{owned[0].pk}/" in bobs.body
    html = bobs.alternatives[0][0]
    assert "Map every leak" in html


def test_a_second_run_the_same_day_sends_nothing(owned):
    send_reminders(TODAY)
    again = send_reminders(TODAY)
    assert again.sent == [] and sorted(again.already_sent) == ["alice", "bob"]
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2


def test_the_next_day_sends_again(owned):
    send_reminders(TODAY)
    send_reminders(TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 4


def test_an_owner_without_an_address_is_reported_not_recorded(owned, bob):
    bob.email = ""
    bob.save()
    result = send_reminders(TODAY)
    assert result.no_address == ["bob"]
    assert not ReminderSent.objects.filter(user=bob).exists()


def test_a_failed_send_is_not_recorded_and_is_tried_again(owned, settings):
    settings.EMAIL_BACKEND = "citystat.meetings.tests.test_remind.FailingBackend"
    result = send_reminders(TODAY)
    assert sorted(result.failed) == ["alice", "bob"]
    assert not ReminderSent.objects.exists()


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail server down")


def test_the_command_reports_what_it_sent(owned, time_machine, capsys):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    call_command("remind")
    assert "sent 2 digest(s): " in capsys.readouterr().out
