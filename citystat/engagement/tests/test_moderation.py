"""The moderator's work: the queue, each action, the automatic flags, the answer email."""

from __future__ import annotations

import pytest
from django.core import mail

from citystat.accounts.testing import signed_in
from citystat.engagement.flags import flag_question
from citystat.engagement.models import Question
from citystat.engagement.moderation import ModerationError, answer_in_writing, merge, reject

from .conftest import SECRET_EMAIL


def test_the_queue_lists_pending_questions_flagged_first(mona, make_question):
    make_question("When is leaf pickup?")
    make_question(
        "BUY NOW cheap loans at https://a.example and https://b.example",
        flagged_spam=True,
        flag_reasons="2 links",
    )
    page = signed_in(mona).get("/staff/questions/").content.decode()
    assert page.index("cheap loans") < page.index("leaf pickup")
    assert "2 links" in page


def test_a_resident_without_a_role_cannot_open_the_queue(carol):
    assert signed_in(carol).get("/staff/questions/").status_code == 403


def test_approving_makes_a_question_public(client, mona, make_question):
    question = make_question()
    response = signed_in(mona).post(f"/staff/questions/{question.pk}/", {"action": "approve"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.state == "approved"
    assert client.get(f"/questions/{question.pk}/").status_code == 200


def test_rejecting_needs_a_reason_and_keeps_it(mona, make_question):
    question = make_question()
    moderator = signed_in(mona)
    refused = moderator.post(f"/staff/questions/{question.pk}/", {"action": "reject"})
    assert refused.status_code == 400
    question.refresh_from_db()
    assert question.state == "pending"
    moderator.post(f"/staff/questions/{question.pk}/", {"action": "reject", "reason": "Off topic"})
    question.refresh_from_db()
    assert (question.state, question.rejection_reason) == ("rejected", "Off topic")


def test_merging_folds_a_duplicate_into_the_question_that_stays(make_question):
    kept = make_question("Potholes on Troost?")
    duplicate = make_question("Troost potholes again?")
    merge(duplicate, kept)
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into) == ("merged", kept)
    with pytest.raises(ModerationError):
        merge(kept, kept)


def test_assigning_links_a_meeting_and_a_goal(mona, make_question, meeting, goal):
    question = make_question()
    signed_in(mona).post(
        f"/staff/questions/{question.pk}/",
        {"action": "assign", "meeting": meeting.pk, "goal": goal.pk},
    )
    question.refresh_from_db()
    assert (question.meeting, question.goal) == (meeting, goal)


def test_a_written_answer_is_public_and_emailed_once(client, make_question):
    question = make_question(contact_email=SECRET_EMAIL, state="approved")
    answer_in_writing(question, "Crews start on Monday.")
    answer_in_writing(question, "Crews start on Monday, weather permitting.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [SECRET_EMAIL]
    assert "Crews start on Monday." in mail.outbox[0].body
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert "weather permitting" in page
    assert SECRET_EMAIL not in page


def test_rejected_and_pending_questions_are_never_public(client, make_question):
    pending = make_question("Pending one")
    rejected = make_question("Rejected one")
    reject(rejected, "Spam")
    listing = client.get("/questions/").content.decode()
    assert "Pending one" not in listing and "Rejected one" not in listing
    assert client.get(f"/questions/{pending.pk}/").status_code == 404
    assert client.get(f"/questions/{rejected.pk}/").status_code == 404


@pytest.mark.parametrize(
    "text, spam, abusive",
    [
        ("When will the streetlight on 5th be fixed?", False, False),
        ("See https://a.example and https://b.example and http://c.example", True, False),
        ("Limited time offer, click here", True, False),
        ("WHY IS NOBODY FIXING THE ROADS IN THIS CITY", True, False),
        ("pothole pothole pothole pothole pothole pothole pothole pothole", True, False),
        ("The council are a bunch of idiot clowns", False, True),
    ],
)
def test_flags_catch_likely_spam_and_abuse(text, spam, abusive):
    flags = flag_question(text)
    assert (flags.spam, flags.abusive) == (spam, abusive)
    assert bool(flags.reasons) == (spam or abusive)


def test_the_same_text_twice_from_one_sender_is_flagged(client, city):
    for _ in range(2):
        client.post("/questions/ask/", {"text": "Fix my street", "email": "pat@example.org"})
    first, second = Question.objects.order_by("pk")
    assert not first.flagged_spam
    assert second.flagged_spam and "sent before" in second.flag_reasons


def test_the_workspace_counts_questions_waiting(mona, make_question):
    make_question("One?")
    make_question("Two?")
    page = signed_in(mona).get("/staff/").content.decode()
    assert "Questions waiting for moderation" in page
    assert "One?" in page and "Two?" in page


def test_the_workspace_says_how_many_more_wait_beyond_the_list(mona, make_question):
    for number in range(23):
        make_question(f"Question {number}?")
    page = signed_in(mona).get("/staff/").content.decode()
    assert "3 more waiting" in page
