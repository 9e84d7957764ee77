"""Security: typed markup stays text everywhere, CSRF on every form, floods throttled without
slowing others, and a resident's contact email reaches nothing public."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.engagement.models import AreaKind, PriorityRound, Question, Subscription, Update
from citystat.engagement.moderation import answer_in_writing, approve, put_on_screen
from citystat.engagement.subscriptions import send_digest

from .conftest import SECRET_EMAIL

SCRIPT = '<script>alert("owned")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(meeting, goal, make_question) -> dict[str, Any]:
    """A question, its answer and an update whose text is markup, all public."""
    question = make_question(
        SCRIPT + " question",
        meeting=meeting,
        goal=goal,
        contact_email=SECRET_EMAIL,
        name="Secret Name",
    )
    approve(question)
    put_on_screen(question)
    answer_in_writing(question, SCRIPT + " answer")
    update = Update.objects.create(
        title=SCRIPT + " title",
        slug="hostile",
        body=SCRIPT + " body",
        published_at=timezone.now(),
        goal=goal,
    )
    update.areas.create(kind=AreaKind.NEIGHBORHOOD, name="Ivanhoe")
    return {"question": question, "update": update}


def public_pages(hostile, meeting, goal) -> list[str]:
    question, update = hostile["question"], hostile["update"]
    return [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/board/",
        "/questions/",
        f"/questions/{question.pk}/",
        "/updates/",
        f"/updates/{update.slug}/",
    ]


FEEDS = ["/updates/feed.atom", "/neighborhoods/ivanhoe/feed.atom", "/feeds/meetings.atom"]


def assert_no_markup(body: str) -> None:
    assert "<script>" not in body and "<img src=x" not in body


def test_typed_markup_is_escaped_on_every_page(client, hostile, meeting, goal):
    for path in public_pages(hostile, meeting, goal):
        body = client.get(path).content.decode()
        assert_no_markup(body)
        assert "&lt;script&gt;" in body, path


def test_typed_markup_is_escaped_in_feeds(client, hostile, goal):
    for path in [*FEEDS[:2], f"/feeds/goals/{goal.pk}.atom"]:
        body = client.get(path).content.decode()
        assert_no_markup(body)
        assert "&lt;script&gt;" in body, path


def test_typed_markup_is_escaped_in_email(client, hostile):
    Subscription.objects.create(
        email="n@example.org",
        subject="neighborhood",
        subject_key="Ivanhoe",
        confirmed_at=hostile["update"].published_at,
    )
    Update.objects.filter(pk=hostile["update"].pk).update(published_at=timezone.now())
    send_digest()
    assert len(mail.outbox) == 2  # the answer email, then the digest
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert_no_markup(html)
        assert "&lt;script&gt;" in html


FORMS = [
    ("/questions/ask/", {"text": "A question?"}),
    ("/subscribe/", {"email": "a@example.org", "subject": "meetings"}),
    ("/priorities/pick/", {"rank_1": "infrastructure", "challenge": "x", "proof": "1"}),
]


@pytest.mark.parametrize("path, data", FORMS)
def test_public_forms_need_the_csrf_token(city, plan, path, data):
    PriorityRound.objects.create(title="Spring", slug="spring", is_open=True)
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    assert client.post(path, data).status_code == 403
    assert not Question.objects.exists() and not Subscription.objects.exists()


def test_staff_forms_need_the_csrf_token(mona, make_question, meeting):
    question = make_question(meeting=meeting, state="approved")
    client = signed_in(mona, enforce_csrf_checks=True)
    posts = [
        (f"/staff/questions/{question.pk}/", {"action": "reject", "reason": "x"}),
        (f"/staff/questions/{question.pk}/live/", {"action": "show"}),
        ("/staff/updates/new/", {"title": "T", "slug": "t", "body": "B"}),
        ("/staff/priorities/", {"action": "new", "title": "Round"}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    question.refresh_from_db()
    assert (question.state, question.live) == ("approved", "")
    assert not Update.objects.exists() and not PriorityRound.objects.exists()


def test_a_flood_from_one_address_gets_429_but_not_its_neighbor(client, city):
    flood = [
        client.post("/questions/ask/", {"text": f"Question {n}?"}, REMOTE_ADDR="203.0.113.9")
        for n in range(8)
    ]
    statuses = [response.status_code for response in flood]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429] * 3
    assert int(flood[-1]["Retry-After"]) > 0
    neighbor = client.post("/questions/ask/", {"text": "Mine?"}, REMOTE_ADDR="203.0.113.10")
    assert neighbor.status_code == 302
    assert Question.objects.count() == 6


def test_one_email_is_throttled_across_addresses(client, city):
    statuses = [
        client.post(
            "/questions/ask/",
            {"text": f"Q{n}?", "email": "pat@example.org"},
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(1, 6)
    ]
    assert statuses == [302, 302, 302, 429, 429]


def test_the_api_is_throttled_with_retry_after(client, db):
    responses = [
        client.post(
            "/api/questions",
            json.dumps({"text": f"Q{n}?"}),
            content_type="application/json",
            REMOTE_ADDR="192.0.2.50",
        )
        for n in range(7)
    ]
    assert [r.status_code for r in responses] == [201] * 5 + [429] * 2
    assert responses[-1].json()["retry_after"] == int(responses[-1]["Retry-After"])


def public_routes() -> list[str]:
    """Return every route without arguments outside /staff/ and the admin."""
    paths = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and "<" not in route:
                full = "/" + prefix + route
                if not full.startswith(("/staff/", "/admin/", "/i18n/")):
                    paths.append(full.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return paths


def test_a_contact_email_reaches_no_public_page_feed_api_or_export(client, hostile, meeting, goal):
    client.raise_request_exception = False
    Subscription.objects.create(email=SECRET_EMAIL, subject="meetings", confirmed_at=timezone.now())
    api = client.post(
        "/api/questions",
        json.dumps({"text": "Mine?", "email": SECRET_EMAIL}),
        content_type="application/json",
    )
    assert api.status_code == 201
    approve(Question.objects.get(pk=api.json()["id"]))
    scanned = {"POST /api/questions": api.content.decode()}
    paths = public_pages(hostile, meeting, goal) + FEEDS + [f"/feeds/goals/{goal.pk}.atom"]
    for path in dict.fromkeys(paths + public_routes()):
        scanned[path] = client.get(path).content.decode(errors="replace")
    assert len(scanned) > 15
    leaks = [
        path for path, body in scanned.items() if SECRET_EMAIL in body or "Secret Name" in body
    ]
    assert not leaks, leaks
