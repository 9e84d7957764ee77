"""Following a measure (#21): a subscriber hears of each new value and each status change,
once, through the same ledger as every digest item."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail

from citystat.engagement.models import Subscription
from citystat.engagement.subscriptions import send_digest
from citystat.plan.models import MeasureValue, Target

from .test_subscriptions import link_in


def test_a_resident_follows_a_measure_through_values_and_status(client, city, measure):
    response = client.post(
        "/subscribe/",
        {
            "email": "follower@example.org",
            "subject": "measure",
            "measure": str(measure.pk),
            "delivery": "immediate",
        },
    )
    assert response.status_code == 302
    client.post(link_in(mail.outbox[-1], "/subscribe/confirm/"))
    subscription = Subscription.objects.get()
    assert (subscription.subject_key, subscription.delivery) == (str(measure.pk), "immediate")
    mail.outbox.clear()
    assert send_digest().messages == 0  # no value yet
    MeasureValue.objects.create(
        measure=measure,
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        value=91.0,
    )
    assert send_digest().messages == 1
    assert "2026-10 is in; status: Target pending" in mail.outbox[-1].body
    assert send_digest().messages == 0
    # The same value judged against a new target is a status change: news again.
    Target.objects.create(measure=measure, fiscal_year=2027, value=95, tolerance=2)
    assert send_digest().messages == 1
    assert "status: Needs attention" in mail.outbox[-1].body or "status: Off track" in (
        mail.outbox[-1].body
    )
    assert send_digest().messages == 0


def test_a_measure_subscription_needs_a_measure(client, city, measure):
    response = client.post(
        "/subscribe/", {"email": "f@example.org", "subject": "measure", "delivery": "digest"}
    )
    assert response.status_code == 400
    assert "Choose which one you want news about." in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_measure_page_offers_to_follow_it_with_the_measure_chosen(client, city, measure):
    page = client.get(measure.get_absolute_url()).content.decode()
    link = re.search(r'href="(/subscribe/\?subject=measure&amp;measure=(\d+))"', page)
    assert link is not None and link.group(2) == str(measure.pk)
    form = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    chosen = re.search(rf'<option value="{measure.pk}"[^>]*selected', form)
    assert chosen is not None
    assert re.search(r'<option value="measure"[^>]*selected', form)
