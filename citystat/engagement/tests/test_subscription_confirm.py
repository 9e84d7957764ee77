"""Confirming a subscription (issue #16, Low 14): the emailed link shows a button, only the
button's POST confirms, and a link older than an unsubscription or a newer link never
turns the subscription on."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from citystat.engagement.models import Subscription
from citystat.engagement.tests.test_subscriptions import ADDRESS, link_in


def ask(client: Client) -> str:
    """Ask for news about Ivanhoe; return the path of the confirmation link mailed."""
    client.post(
        "/subscribe/", {"email": ADDRESS, "subject": "neighborhood", "neighborhood": "Ivanhoe"}
    )
    return link_in(mail.outbox[-1], "/subscribe/confirm/")


def unsubscribe(client: Client) -> None:
    client.get(link_in(mail.outbox[-1], "/unsubscribe/"))


def test_opening_the_link_shows_a_button_and_confirms_nothing(client, city):
    response = client.get(ask(client))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Confirm your subscription" in body
    assert '<form method="post">' in body and 'name="csrfmiddlewaretoken"' in body
    assert "Confirm my subscription</button>" in body
    assert not Subscription.objects.get().is_active


def test_pressing_the_button_confirms(client, city):
    response = client.post(ask(client))
    assert response.status_code == 200
    assert "You are subscribed" in response.content.decode()
    assert Subscription.objects.get().is_active


def test_the_button_needs_the_csrf_token_of_the_page(client, city):
    link = ask(client)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link).status_code == 403
    assert not Subscription.objects.get().is_active
    page = browser.get(link)
    token = page.context["csrf_token"]
    assert browser.post(link, {"csrfmiddlewaretoken": str(token)}).status_code == 200
    assert Subscription.objects.get().is_active


def test_a_link_mailed_before_an_unsubscription_never_turns_it_back_on(client, city):
    link = ask(client)
    client.post(link)
    unsubscribe(client)

    shown = client.get(link)
    pressed = client.post(link)

    for response in (shown, pressed):
        body = response.content.decode()
        assert response.status_code == 200
        assert "This subscription was cancelled" in body
        assert 'href="/subscribe/?subject=neighborhood&amp;neighborhood=Ivanhoe"' in body
    subscription = Subscription.objects.get()
    assert subscription.unsubscribed_at is not None and not subscription.is_active


def test_an_unconfirmed_link_stops_working_once_the_address_unsubscribes(client, city):
    link = ask(client)
    unsubscribe(client)
    assert "This subscription was cancelled" in client.post(link).content.decode()
    assert not Subscription.objects.get().is_active


def test_after_subscribing_again_only_the_newest_link_confirms(client, city):
    old = ask(client)
    client.post(old)
    unsubscribe(client)
    new = ask(client)

    refused = client.post(old)
    assert "This link was replaced" in refused.content.decode()
    assert not Subscription.objects.get().is_active

    assert "You are subscribed" in client.post(new).content.decode()
    assert Subscription.objects.get().is_active


def test_a_forged_link_is_refused_on_both_methods(client, city):
    ask(client)
    for response in (
        client.get("/subscribe/confirm/forged/"),
        client.post("/subscribe/confirm/forged/"),
    ):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not Subscription.objects.get().is_active


def test_the_page_speaks_spanish(client, city):
    body = client.get(ask(client), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Confirme su suscripción" in body
    assert "Confirmar mi suscripción</button>" in body
