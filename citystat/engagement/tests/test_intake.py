"""Every path a question takes in (form, API, signed webhook, Mastodon), to moderation and
out to the public pages; and the bad input each path refuses."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from citystat.engagement.mastodon import html_to_text, poll_hashtag
from citystat.engagement.models import MastodonCursor, Question
from citystat.engagement.moderation import approve, put_on_screen
from citystat.engagement.webhooks import sign

from .conftest import SECRET_EMAIL

SECRET = "a-long-shared-secret-for-the-social-tool"


def post_json(client: Client, path: str, body: object, **headers) -> object:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_the_form_stores_a_pending_question_that_no_one_sees(client, meeting, goal):
    response = client.post(
        "/questions/ask/",
        {
            "text": "Why is my street not plowed?",
            "email": SECRET_EMAIL,
            "meeting": meeting.pk,
            "neighborhood": "Ivanhoe",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.channel, question.state, question.meeting) == ("form", "pending", meeting)
    assert question.neighborhood == "Ivanhoe"
    assert "not plowed" not in client.get(f"/meetings/{meeting.pk}/board/").content.decode()
    assert client.get(f"/questions/{question.pk}/").status_code == 404


def test_an_approved_form_question_reaches_the_meeting_board(client, meeting):
    client.post("/questions/ask/", {"text": "Why is my street not plowed?", "meeting": meeting.pk})
    question = Question.objects.get()
    approve(question)
    put_on_screen(question)
    board = client.get(f"/meetings/{meeting.pk}/board/").content.decode()
    assert "Why is my street not plowed?" in board
    assert client.get(f"/questions/{question.pk}/").status_code == 200


def test_the_form_takes_the_measure_it_was_opened_from(client, measure):
    page = client.get("/questions/ask/?measure=potholes-fixed-in-7-days").content.decode()
    assert "Potholes fixed within 7 days" in page
    client.post("/questions/ask/", {"text": "How is this counted?", "measure": measure.pk})
    question = Question.objects.get()
    assert question.measure == measure
    assert question.goal == measure.objective.goal


@pytest.mark.parametrize(
    "text, reason",
    [
        ("   ", "empty"),
        ("x" * 1001, "1,001 characters"),
        ("bin\x00ary \x01 data", "binary"),
    ],
)
def test_the_form_refuses_bad_text_says_why_and_keeps_it(client, city, text, reason):
    response = client.post("/questions/ask/", {"text": text, "name": "Pat"})
    page = response.content.decode()
    assert response.status_code == 400
    assert reason in page
    assert 'value="Pat"' in page
    # The typed text comes back in the textarea (the control characters aside).
    for kept in text.replace("\x00", " ").replace("\x01", " ").split()[:2]:
        assert kept[:50] in page
    assert not Question.objects.exists()


def test_the_api_stores_a_pending_question(client, meeting):
    response = post_json(
        client,
        "/api/questions",
        {"text": "Is the bus line coming back?", "email": SECRET_EMAIL, "meeting": meeting.pk},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "pending"
    assert SECRET_EMAIL not in response.content.decode()
    assert Question.objects.get(pk=body["id"]).channel == "api"


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"text": ""}, 400, "text"),
        ({"text": "y" * 1001}, 400, "text"),
        ({"text": "ok", "admin": True}, 400, "admin"),
        ({"text": 42}, 400, "text"),
        ({"text": "ok", "email": "not-an-address"}, 400, "email"),
        ({"text": "ok", "measure": "no-such-measure"}, 400, "measure"),
    ],
)
def test_the_api_refuses_bad_questions_with_the_reason_and_text(client, db, body, status, field):
    response = post_json(client, "/api/questions", body)
    assert response.status_code == status
    assert response.json()["field"] == field
    if isinstance(body.get("text"), str) and body["text"]:
        assert response.json()["text"] == body["text"]
    assert not Question.objects.exists()


def test_the_api_refuses_binary_and_non_json(client, db):
    raw = client.post("/api/questions", b"\xff\xfe\x00garbage", content_type="application/json")
    assert raw.status_code == 400
    form = client.post("/api/questions", {"text": "hi"})
    assert form.status_code == 415
    binary = client.post(
        "/api/questions", b'{"text": "abc\\u0000def"}', content_type="application/json"
    )
    assert binary.status_code == 400
    assert "binary" in binary.json()["message"]
    assert not Question.objects.exists()


@pytest.fixture
def webhook_secret(settings):
    settings.CITYSTAT_WEBHOOK_SECRETS = {"socialdesk": SECRET}
    return SECRET


def deliver(
    client,
    body: bytes,
    *,
    secret: str = SECRET,
    timestamp: str | None = None,
    signature: str | None = None,
    source: str = "socialdesk",
):
    timestamp = timestamp if timestamp is not None else str(int(time.time()))
    headers = {"HTTP_X_CITYSTAT_TIMESTAMP": timestamp}
    headers["HTTP_X_CITYSTAT_SIGNATURE"] = (
        signature if signature is not None else sign(secret, timestamp, body)
    )
    return client.post(
        f"/hooks/questions/{source}", body, content_type="application/json", **headers
    )


POST = json.dumps(
    {
        "id": "post-77",
        "text": "Will the library stay open?",
        "author": "@pat",
        "url": "https://social.example/p/77",
    }
).encode()


def test_a_signed_webhook_post_is_stored_once(client, webhook_secret):
    assert deliver(client, POST).status_code == 202
    assert deliver(client, POST).status_code == 202
    question = Question.objects.get()
    assert (question.channel, question.source, question.external_id) == (
        "webhook",
        "socialdesk",
        "post-77",
    )


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"signature": ""}, 401),
        ({"timestamp": ""}, 401),
        ({"secret": "the-wrong-secret"}, 403),
        ({"signature": "sha256=" + "0" * 64}, 403),
        ({"timestamp": str(int(time.time()) - 3600)}, 403),
        ({"source": "unknown-tool"}, 403),
    ],
)
def test_a_wrong_missing_or_stale_signature_stores_nothing(client, webhook_secret, kwargs, status):
    assert deliver(client, POST, **kwargs).status_code == status
    assert not Question.objects.exists()


def test_a_replayed_body_with_a_new_timestamp_needs_a_new_signature(client, webhook_secret):
    old = str(int(time.time()) - 10)
    signature = sign(SECRET, old, POST)
    assert (
        deliver(client, POST, timestamp=str(int(time.time())), signature=signature).status_code
        == 403
    )


class FakeMastodon(BaseHTTPRequestHandler):
    posts: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        type(self).requests.append({"path": parts.path, **query})
        since = int(query.get("since_id", "0"))
        newest_first = sorted(self.posts, key=lambda p: -int(p["id"]))
        body = json.dumps([p for p in newest_first if int(p["id"]) > since]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def mastodon():
    FakeMastodon.posts = []
    FakeMastodon.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMastodon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", FakeMastodon
    server.shutdown()
    server.server_close()


def toot(number: int, html: str) -> dict[str, Any]:
    return {
        "id": str(number),
        "content": html,
        "url": f"https://town.example/@a/{number}",
        "account": {"acct": "pat", "display_name": "Pat"},
    }


def test_the_mastodon_poll_stores_new_posts_as_plain_text(db, mastodon):
    instance, fake = mastodon
    fake.posts = [
        toot(101, '<p>When does <a href="https://x.example">#KCStat</a> start?</p>'),
        toot(102, "<p>Street&nbsp;lights<br>on Main &amp; 5th</p><script>alert(1)</script>"),
    ]
    report = poll_hashtag(instance, "#KCStat")
    assert (report.fetched, report.stored) == (2, 2)
    texts = list(Question.objects.order_by("external_id").values_list("text", flat=True))
    assert texts[0] == "When does #KCStat start?"
    assert texts[1].startswith("Street lights\non Main & 5th")
    assert fake.requests[0]["path"] == "/api/v1/timelines/tag/KCStat"
    assert MastodonCursor.objects.get().since_id == "102"


def test_the_next_poll_asks_only_for_newer_posts(db, mastodon):
    instance, fake = mastodon
    fake.posts = [toot(101, "<p>First question?</p>")]
    poll_hashtag(instance, "KCStat")
    fake.posts.append(toot(103, "<p>Second question?</p>"))
    report = poll_hashtag(instance, "KCStat")
    assert fake.requests[-1]["since_id"] == "101"
    assert (report.fetched, report.stored) == (1, 1)
    assert Question.objects.filter(channel="mastodon").count() == 2


def test_the_poll_command_reports_what_it_stored(db, mastodon):
    instance, fake = mastodon
    fake.posts = [toot(5, "<p>Is the pool open?</p>"), toot(6, "<p></p>")]
    out = StringIO()
    call_command("engagement", "poll-mastodon", instance, "KCStat", stdout=out)
    assert "stored 1 new question" in out.getvalue()
    assert "Refused 6" in out.getvalue()


def test_html_to_text_keeps_paragraphs_apart():
    assert html_to_text("<p>One</p><p>Two &lt;b&gt;</p>") == "One\n\nTwo <b>"
