"""Email subscriptions with Django's locmem backend: double opt-in, one-click unsubscribe,
and digests that never send an item twice."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from citystat.engagement.models import AreaKind, SentItem, Subscription, Update
from citystat.engagement.subscriptions import send_digest, unsubscribe_token

ADDRESS = "neighbor@example.org"


def link_in(message, path: str) -> str:
    found = re.search(rf"https?://[^\s]+?({path}[^\s/]+/)", message.body)
    assert found, message.body
    return found.group(1)


def publish(title: str, *, neighborhood: str = "", goal=None, when=None) -> Update:
    update = Update.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        body=f"{title}: details.",
        published_at=when or timezone.now(),
        goal=goal,
    )
    if neighborhood:
        update.areas.create(kind=AreaKind.NEIGHBORHOOD, name=neighborhood)
    return update


@pytest.fixture
def subscribed(client, city) -> Subscription:
    client.post(
        "/subscribe/", {"email": ADDRESS, "subject": "neighborhood", "neighborhood": "Ivanhoe"}
    )
    client.post(link_in(mail.outbox[-1], "/subscribe/confirm/"))
    return Subscription.objects.get()


def test_subscribing_sends_a_confirmation_and_nothing_else(client, city):
    response = client.post(
        "/subscribe/", {"email": ADDRESS, "subject": "neighborhood", "neighborhood": "Ivanhoe"}
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert not subscription.is_active
    assert len(mail.outbox) == 1 and "Ivanhoe" in mail.outbox[0].body
    publish("Demolitions planned in Ivanhoe", neighborhood="Ivanhoe")
    assert send_digest().messages == 0


def test_the_confirmation_link_activates_the_subscription(client, subscribed):
    assert subscribed.is_active


def test_a_forged_confirmation_link_does_nothing(client, city):
    client.post("/subscribe/", {"email": ADDRESS, "subject": "meetings"})
    response = client.get("/subscribe/confirm/not-a-real-token/")
    assert response.status_code == 400
    assert not Subscription.objects.get().is_active


def test_a_subject_needs_its_area_and_keeps_the_typed_email(client, city):
    response = client.post("/subscribe/", {"email": ADDRESS, "subject": "district"})
    assert response.status_code == 400
    assert ADDRESS in response.content.decode()
    assert "Choose which one" in response.content.decode()


def test_the_digest_sends_new_items_once(client, subscribed):
    publish("Demolitions planned in Ivanhoe", neighborhood="Ivanhoe")
    publish("Westport street fair", neighborhood="Westport")
    mail.outbox.clear()
    first = send_digest()
    assert (first.messages, first.items) == (1, 1)
    assert "Demolitions planned in Ivanhoe" in mail.outbox[0].body
    assert "Westport" not in mail.outbox[0].body
    assert send_digest().messages == 0
    call_command("digest", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert SentItem.objects.count() == 1


def test_items_older_than_the_subscription_are_not_sent(client, city):
    publish("Old news", neighborhood="Ivanhoe", when=timezone.now() - dt.timedelta(days=3))
    client.post(
        "/subscribe/", {"email": ADDRESS, "subject": "neighborhood", "neighborhood": "Ivanhoe"}
    )
    client.post(link_in(mail.outbox[-1], "/subscribe/confirm/"))
    assert send_digest().messages == 0


def test_one_item_matching_two_subscriptions_comes_once(client, subscribed, goal):
    Subscription.objects.create(
        email=ADDRESS, subject="goal", subject_key=str(goal.pk), confirmed_at=timezone.now()
    )
    publish("Ivanhoe streets", neighborhood="Ivanhoe", goal=goal)
    mail.outbox.clear()
    report = send_digest()
    assert (report.messages, report.items) == (1, 1)


def test_every_digest_has_a_one_click_unsubscribe(client, subscribed):
    publish("Demolitions planned in Ivanhoe", neighborhood="Ivanhoe")
    mail.outbox.clear()
    send_digest()
    message = mail.outbox[0]
    path = link_in(message, "/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"].endswith(path + ">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    response = client.get(path)
    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert not subscribed.is_active
    publish("More Ivanhoe news", neighborhood="Ivanhoe")
    assert send_digest().messages == 0


def test_a_mail_program_can_unsubscribe_by_post_without_csrf(subscribed):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/unsubscribe/{unsubscribe_token(ADDRESS)}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert subscribed.unsubscribed_at is not None


def test_the_meeting_calendar_digest_lists_coming_meetings(client, meeting):
    Subscription.objects.create(email=ADDRESS, subject="meetings", confirmed_at=timezone.now())
    send_digest()
    assert meeting.title in mail.outbox[-1].body
    assert send_digest().messages == 0
