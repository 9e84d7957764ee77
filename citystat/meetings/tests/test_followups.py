"""Follow-ups: capture with bad input, workflow, overdue, department scope, history."""

import datetime as dt

import pytest
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.meetings.followups import FollowUpError, change_status, overdue_follow_ups
from citystat.meetings.forms import FollowUpForm
from citystat.meetings.models import FollowUp, Meeting


@pytest.fixture
def meeting(areas):
    starts = timezone.now() - dt.timedelta(minutes=10)
    return Meeting.objects.create(
        title="KCStat", starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        priority_area=areas[0],
    )  # fmt: skip


@pytest.fixture
def follow_up(meeting, departments, bob):
    return FollowUp.objects.create(
        meeting=meeting, text="Map every leak", department=departments["water"], owner=bob,
        due_on=timezone.localdate() + dt.timedelta(days=14),
    )  # fmt: skip


def capture(client, meeting, **data):
    return client.post(f"/staff/meetings/{meeting.pk}/follow-ups/", data, HTTP_HX_REQUEST="true")


def test_alice_captures_a_follow_up_from_the_meeting_screen(alice, bob, meeting, departments):
    due = timezone.localdate() + dt.timedelta(days=30)
    response = capture(
        signed_in(alice), meeting, text="Publish the repair backlog",
        department=departments["water"].pk, owner=bob.pk, due_on=due.isoformat(),
    )  # fmt: skip
    assert response.status_code == 201
    follow_up = FollowUp.objects.get()
    assert (follow_up.text, follow_up.owner, follow_up.due_on) == (
        "Publish the repair backlog",
        bob,
        due,
    )
    assert "Publish the repair backlog" in response.content.decode()


def test_a_follow_up_without_owner_or_due_date_is_refused_with_the_fields_kept(
    alice, meeting, departments
):
    response = capture(
        signed_in(alice), meeting, text="Publish the repair backlog",
        department=departments["water"].pk,
    )  # fmt: skip
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose the person who answers for it." in body
    assert "Give a due date (YYYY-MM-DD)." in body
    assert "Publish the repair backlog</textarea>" in body
    assert f'<option value="{departments["water"].pk}" selected>' in body
    assert not FollowUp.objects.exists()


def test_carol_cannot_capture(carol, meeting, departments):
    response = capture(signed_in(carol), meeting, text="x")
    assert response.status_code == 403


def test_the_workflow_runs_open_in_progress_done(follow_up):
    change_status(follow_up, "in_progress")
    change_status(follow_up, "done")
    follow_up.refresh_from_db()
    assert follow_up.status == "done"
    assert follow_up.closed_on == timezone.localdate()


def test_dropping_needs_a_reason(follow_up):
    with pytest.raises(FollowUpError, match="why"):
        change_status(follow_up, "dropped", reason="  ")
    assert FollowUp.objects.get(pk=follow_up.pk).status == "open"


def test_dropping_with_a_reason_keeps_it(follow_up, alice):
    change_status(follow_up, "dropped", reason="The state took the work over.", by=alice)
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.drop_reason) == ("dropped", "The state took the work over.")
    assert follow_up.comments.get().text == "Dropped: The state took the work over."


def test_a_dropped_follow_up_cannot_go_straight_to_done(follow_up):
    change_status(follow_up, "dropped", reason="Moot")
    with pytest.raises(FollowUpError):
        change_status(follow_up, "done")


def test_overdue_means_open_after_the_due_date(follow_up):
    today = timezone.localdate()
    later = follow_up.due_on + dt.timedelta(days=1)
    assert not follow_up.is_overdue(today)
    assert follow_up.is_overdue(later)
    assert list(overdue_follow_ups(later)) == [follow_up]
    change_status(follow_up, "done")
    assert not follow_up.is_overdue(later)
    assert list(overdue_follow_ups(later)) == []


def test_every_change_is_in_the_history(follow_up, alice):
    change_status(follow_up, "in_progress")
    change_status(follow_up, "dropped", reason="Moot", by=alice)
    page = signed_in(alice).get(f"/staff/follow-ups/{follow_up.pk}/").content.decode()
    assert "status: open → in_progress" in page
    assert "status: in_progress → dropped" in page
    assert follow_up.history.count() == 3


def test_bob_updates_his_departments_follow_up(bob, follow_up):
    response = signed_in(bob).post(
        f"/staff/follow-ups/{follow_up.pk}/status/", {"status": "in_progress"}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=follow_up.pk).status == "in_progress"


def test_bob_may_not_update_another_departments_follow_up(bob, follow_up, departments):
    follow_up.department = departments["public-works"]
    follow_up.save()
    client = signed_in(bob)
    assert (
        client.post(f"/staff/follow-ups/{follow_up.pk}/status/", {"status": "done"}).status_code
        == 403
    )
    assert (
        client.post(f"/staff/follow-ups/{follow_up.pk}/comments/", {"text": "hi"}).status_code
        == 403
    )
    assert FollowUp.objects.get(pk=follow_up.pk).status == "open"


def test_dropping_from_the_page_without_a_reason_says_so(alice, follow_up):
    response = signed_in(alice).post(
        f"/staff/follow-ups/{follow_up.pk}/status/", {"status": "dropped"}
    )
    assert response.status_code == 400
    assert "Say why the follow-up is dropped." in response.content.decode()


def test_overdue_items_are_highlighted_on_the_public_page(follow_up, client):
    follow_up.due_on = timezone.localdate() - dt.timedelta(days=2)
    follow_up.save()
    body = client.get(follow_up.meeting.get_absolute_url()).content.decode()
    assert 'class="follow-up--overdue"' in body
    assert "Overdue" in body


def test_a_double_click_or_retry_makes_one_follow_up(alice, bob, meeting, departments):
    token = FollowUpForm(meeting=meeting).initial["submission"]
    data = dict(
        text="Publish the repair backlog", department=departments["water"].pk, owner=bob.pk,
        due_on=(timezone.localdate() + dt.timedelta(days=30)).isoformat(), submission=token,
    )  # fmt: skip
    client = signed_in(alice)
    first, second = capture(client, meeting, **data), capture(client, meeting, **data)
    assert (first.status_code, second.status_code) == (201, 201)
    assert FollowUp.objects.count() == 1
    # The list in the answer shows the one follow-up, and the fresh form a new token.
    assert second.content.decode().count("Publish the repair backlog —") == 1
    assert token not in second.content.decode()
    capture(client, meeting, **{**data, "submission": FollowUpForm().initial["submission"]})
    assert FollowUp.objects.count() == 2


def test_a_forged_token_is_refused(alice, bob, meeting, departments):
    response = capture(
        signed_in(alice), meeting, text="Publish", department=departments["water"].pk,
        owner=bob.pk, due_on=(timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        submission="'; drop table",
    )  # fmt: skip
    assert response.status_code == 422
    assert "This form is out of date; reload the page." in response.content.decode()
    assert not FollowUp.objects.exists()


def test_the_list_refreshes_after_a_save(alice, bob, meeting, departments):
    client = signed_in(alice)
    assert "None yet." in client.get(f"/staff/meetings/{meeting.pk}/screen/").content.decode()
    response = capture(
        client, meeting, text="Map every leak", department=departments["water"].pk,
        owner=bob.pk, due_on=(timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    )  # fmt: skip
    body = response.content.decode()
    assert f"Map every leak — {departments['water'].name}, due" in body
    assert "None yet." not in body
