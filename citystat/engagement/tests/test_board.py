"""The live board: what it shows, how it is cached, and how the meetings app shows it."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citystat.accounts.testing import signed_in
from citystat.engagement import board as live_board
from citystat.engagement.board import board_version
from citystat.engagement.moderation import (
    ModerationError,
    answered_live,
    approve,
    put_on_screen,
    take_off_screen,
)
from citystat.meetings.hooks import panels_for, questions_for
from citystat.meetings.models import Meeting
from citystat.plan.models import Plan

from .conftest import SECRET_EMAIL


def on_board(client, meeting) -> str:
    return client.get(f"/meetings/{meeting.pk}/board/").content.decode()


def test_a_question_put_on_screen_shows_on_the_board(client, meeting, make_question):
    question = make_question("Why are the buses late?", meeting=meeting)
    approve(question)
    put_on_screen(question)
    assert "Why are the buses late?" in on_board(client, meeting)


def test_one_question_at_a_time_is_on_screen(client, meeting, make_question):
    first = make_question("First?", meeting=meeting, state="approved")
    second = make_question("Second?", meeting=meeting, state="approved")
    put_on_screen(first)
    put_on_screen(second)
    first.refresh_from_db()
    assert first.live == ""
    board = on_board(client, meeting)
    assert "Second?" in board and "First?" not in board


def test_an_unapproved_question_cannot_go_on_screen(meeting, make_question):
    with pytest.raises(ModerationError):
        put_on_screen(make_question(meeting=meeting))


def test_answered_live_questions_stay_with_their_recording_time(client, meeting, make_question):
    meeting.recording_url = "https://video.example/kcstat-12"
    meeting.save()
    question = make_question(
        "Snow routes?", meeting=meeting, state="approved", contact_email=SECRET_EMAIL
    )
    put_on_screen(question)
    answered_live(question, recording_seconds=3723)
    take_off_screen(question)
    board = on_board(client, meeting)
    assert "Snow routes?" in board
    assert "https://video.example/kcstat-12#t=3723" in board
    assert len(mail.outbox) == 1 and SECRET_EMAIL not in board


def test_the_board_answers_304_until_it_changes(client, meeting, make_question):
    question = make_question(meeting=meeting, state="approved")
    first = client.get(f"/meetings/{meeting.pk}/board/")
    etag = first["ETag"]
    again = client.get(f"/meetings/{meeting.pk}/board/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    put_on_screen(question)
    changed = client.get(f"/meetings/{meeting.pk}/board/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_poll_since_the_current_version_gets_204(client, meeting, make_question):
    question = make_question(meeting=meeting, state="approved")
    version = board_version(meeting.pk)
    unchanged = client.get(f"/meetings/{meeting.pk}/board/?since={version}")
    assert (unchanged.status_code, unchanged.content) == (204, b"")
    put_on_screen(question)
    changed = client.get(f"/meetings/{meeting.pk}/board/?since={version}")
    assert changed.status_code == 200
    assert f"?since={board_version(meeting.pk)}" in changed.content.decode()


def test_every_change_to_a_meetings_question_bumps_its_version(meeting, make_question):
    before = board_version(meeting.pk)
    question = make_question(meeting=meeting)
    created = board_version(meeting.pk)
    approve(question)
    assert len({before, created, board_version(meeting.pk)}) == 3


# Committed changes, as on a live site: inside the test's transaction every change would
# be this thread's own pending one, which no other process sees.
@pytest.mark.django_db(transaction=True)
def test_a_change_elsewhere_leaves_the_board_alone_and_undrawn(
    client, meeting, make_question, monkeypatch
):
    question = make_question("Snow routes?", meeting=meeting, state="approved")
    drawn = []
    context = live_board.board_context
    monkeypatch.setattr(live_board, "board_context", lambda pk: drawn.append(pk) or context(pk))
    assert "Snow routes?" not in on_board(client, meeting)
    version = board_version(meeting.pk)
    other = Meeting.objects.create(
        title="Another stat", starts_at=meeting.starts_at, ends_at=meeting.ends_at
    )
    make_question("Park hours?", meeting=other, state="approved")
    Plan.objects.create(
        title="Next plan", slug="next", first_fiscal_year=2030, last_fiscal_year=2031
    )
    live_board.forget_boards()  # as another web process: only the shared cache remembers
    assert board_version(meeting.pk) == version
    assert client.get(f"/meetings/{meeting.pk}/board/?since={version}").status_code == 204
    on_board(client, meeting)
    assert drawn == [meeting.pk]
    put_on_screen(question)
    assert "Snow routes?" in on_board(client, meeting)
    assert drawn == [meeting.pk, meeting.pk]


def test_an_unknown_meeting_has_no_board(client, db):
    assert client.get("/meetings/999999/board/").status_code == 404


def test_the_public_meeting_page_polls_the_board(client, meeting, make_question):
    put_on_screen(make_question("Trash pickup?", meeting=meeting, state="approved"))
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'hx-get="/meetings/{meeting.pk}/board/?since=' in page
    assert "Trash pickup?" in page
    assert f"/questions/ask/?meeting={meeting.pk}" in page


def test_the_panel_of_a_past_meeting_does_not_poll(rf, meeting):
    meeting.starts_at -= dt.timedelta(days=3)
    meeting.ends_at -= dt.timedelta(days=3)
    meeting.save()
    request = rf.get("/")
    request.user = AnonymousUser()
    html = "".join(panels_for(request, meeting, False))
    assert "Residents' questions" in html and "hx-get" not in html


def test_the_staff_screen_shows_the_controls(mona, meeting, make_question):
    make_question("Control me?", meeting=meeting, state="approved")
    page = signed_in(mona).get(f"/staff/meetings/{meeting.pk}/questions/").content.decode()
    assert "Put #" in page and "Control me?" in page


def test_the_moderator_puts_a_question_on_screen_through_the_controls(
    client, mona, meeting, make_question
):
    question = make_question("Via the button?", meeting=meeting, state="approved")
    response = signed_in(mona).post(
        f"/staff/questions/{question.pk}/live/",
        {"action": "show", "next": f"/staff/meetings/{meeting.pk}/questions/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/meetings/{meeting.pk}/questions/"
    assert "Via the button?" in on_board(client, meeting)
    signed_in(mona).post(
        f"/staff/questions/{question.pk}/live/",
        {"action": "answered", "recording_time": "1:02:03", "answer": "Yes."},
    )
    question.refresh_from_db()
    assert (question.state, question.recording_seconds) == ("answered", 3723)


def test_agendas_get_the_meetings_approved_questions(meeting, make_question):
    make_question("Approved?", meeting=meeting, state="approved", neighborhood="Ivanhoe")
    make_question("Pending?", meeting=meeting)
    questions = questions_for(meeting)
    assert [(q.text, q.asked_by_neighborhood) for q in questions] == [("Approved?", "Ivanhoe")]


def test_the_fast_path_answers_polls_before_sessions_and_users(
    client, settings, meeting, make_question
):
    settings.MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "citystat.engagement.middleware.LiveBoardMiddleware",
        *[
            m
            for m in settings.MIDDLEWARE
            if not m.endswith(("LiveBoardMiddleware", "SecurityMiddleware"))
        ],
    ]
    put_on_screen(make_question("Fast?", meeting=meeting, state="approved"))
    first = client.get(f"/meetings/{meeting.pk}/board/")
    assert "Fast?" in first.content.decode()
    assert (
        first["X-Frame-Options"] == "DENY"
        and "default-src 'none'" in first["Content-Security-Policy"]
    )
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/meetings/{meeting.pk}/board/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # At most the read of the board's stamp from the shared cache (the app database by
    # default); none here, where this test's own uncommitted change names the stamp.
    assert len(queries) <= 1
    assert client.get(f"/meetings/{meeting.pk}/board/", HTTP_HOST="evil.example").status_code == 400


def test_the_board_speaks_the_visitors_language(client, meeting):
    english = client.get(f"/meetings/{meeting.pk}/board/")
    spanish = client.get(f"/meetings/{meeting.pk}/board/", HTTP_ACCEPT_LANGUAGE="es")
    assert english["ETag"] != spanish["ETag"]


def answer_live(mona, meeting, question, answer: str, recording_time: str = ""):
    return signed_in(mona).post(
        f"/staff/questions/{question.pk}/live/",
        {
            "action": "answered",
            "answer": answer,
            "recording_time": recording_time,
            "next": f"/staff/meetings/{meeting.pk}/screen/",
        },
    )


def test_an_answer_given_live_is_published_on_the_question(client, mona, meeting, make_question):
    question = make_question("Snow routes?", meeting=meeting, state="approved")
    put_on_screen(question)
    response = answer_live(mona, meeting, question, "  Routes are posted by 6 a.m.\nEvery storm.  ")
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.state, question.live) == ("answered", "answered_live")
    assert question.answer == "Routes are posted by 6 a.m.\nEvery storm."
    board = on_board(client, meeting)
    assert "Routes are posted by 6 a.m.<br>Every storm." in board
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert "Routes are posted by 6 a.m." in page


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("x" * 5001, "The answer is 5,001 characters long; at most 5,000 are published."),
        ("See <a href='https://evil.example'>here</a>", "Write the answer as plain text"),
        ("Fish &amp; chips", "Write the answer as plain text"),
        ("   ", "Write the answer given in the meeting"),
    ],
)
def test_a_refused_live_answer_changes_nothing_and_keeps_the_text(
    mona, meeting, make_question, answer, reason
):
    question = make_question("Snow routes?", meeting=meeting, state="approved")
    put_on_screen(question)
    before = board_version(meeting.pk)
    response = answer_live(mona, meeting, question, answer, "1:02:03")
    assert response.status_code == 400
    body = response.content.decode()
    assert html.escape(reason, quote=False) in body
    # The typed text comes back in the answer field, escaped, to be edited.
    assert f">{html.escape(answer)}</textarea>" in body
    assert 'value="1:02:03"' in body
    assert f'href="/staff/meetings/{meeting.pk}/screen/"' in body
    question.refresh_from_db()
    assert (question.state, question.live, question.answer) == ("approved", "on_screen", "")
    assert board_version(meeting.pk) == before


def test_exactly_five_thousand_characters_are_published(mona, meeting, make_question):
    question = make_question("Long?", meeting=meeting, state="approved")
    put_on_screen(question)
    assert answer_live(mona, meeting, question, "y" * 5000).status_code == 302
    question.refresh_from_db()
    assert question.answer == "y" * 5000
