"""Email subscriptions: double opt-in, one-click unsubscribe, and the digest with its ledger.

Links carry signed tokens (django.core.signing, salted per purpose), so confirming or
unsubscribing needs no account and no stored secret. A confirmation link opens a page
whose button confirms (a POST), because mail scanners open links; and it names the
confirmation it was mailed for, so an old link never revives a cancelled subscription.
The digest records every item it sends to an address in `SentItem` inside the same
transaction as the send, so running `citystat digest` twice, or from two machines at
once, never sends an item twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from citystat.engagement.emails import send_message, site_url
from citystat.engagement.models import AreaKind, SentItem, Subscription, Update
from citystat.engagement.queries import published_updates

CONFIRM_SALT = "citystat.engagement.confirm"
UNSUBSCRIBE_SALT = "citystat.engagement.unsubscribe"
CONFIRM_DAYS = 7
# A digest tells of meetings starting within this many days.
MEETINGS_AHEAD = dt.timedelta(days=14)


def confirm_token(subscription: Subscription) -> str:
    payload = {"s": subscription.pk, "e": subscription.email, "n": subscription.confirmations_sent}
    return signing.dumps(payload, salt=CONFIRM_SALT)


def unsubscribe_token(email: str) -> str:
    return signing.dumps({"e": email.lower()}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(email: str) -> str:
    return site_url(reverse("engagement:unsubscribe", args=[unsubscribe_token(email)]))


def subscribe(email: str, subject: str, subject_key: str) -> Subscription:
    """Record the wish and send the confirmation link; nothing is sent until it is used."""
    email = email.strip().lower()
    subscription, created = Subscription.objects.get_or_create(
        email=email, subject=subject, subject_key=subject_key
    )
    if not created and subscription.is_active:
        return subscription
    subscription.confirmed_at = None
    subscription.unsubscribed_at = None
    # Every link mailed before this one stops working (read_confirm_link).
    subscription.confirmations_sent += 1
    subscription.save()
    link = site_url(reverse("engagement:confirm", args=[confirm_token(subscription)]))
    send_message(
        email,
        _("Confirm your subscription"),
        "confirm",
        {"subscription": subscription, "label": subject_label(subscription), "link": link},
        unsubscribe_url=unsubscribe_url(email),
    )
    return subscription


class LinkState(models.TextChoices):
    """What a confirmation link can do now (templates/engagement/confirmed.html)."""

    PENDING = "pending"  # its button confirms the subscription
    CONFIRMED = "confirmed"  # the subscription is already on
    CANCELLED = "cancelled"  # unsubscribed after the link was mailed
    REPLACED = "replaced"  # a newer link was mailed; only that one works
    INVALID = "invalid"  # forged, cut short or older than CONFIRM_DAYS


@dataclass(frozen=True)
class ConfirmLink:
    state: LinkState
    subscription: Subscription | None = None


def read_confirm_link(token: str) -> ConfirmLink:
    """Say what the confirmation link `token` names and what its button would do; change nothing."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=dt.timedelta(days=CONFIRM_DAYS))
    except signing.BadSignature:
        return ConfirmLink(LinkState.INVALID)
    subscription = Subscription.objects.filter(pk=data.get("s"), email=data.get("e")).first()
    if subscription is None:
        return ConfirmLink(LinkState.INVALID)
    if subscription.unsubscribed_at is not None:
        return ConfirmLink(LinkState.CANCELLED, subscription)
    if subscription.confirmed_at is not None:
        return ConfirmLink(LinkState.CONFIRMED, subscription)
    if data.get("n") != subscription.confirmations_sent:
        return ConfirmLink(LinkState.REPLACED, subscription)
    return ConfirmLink(LinkState.PENDING, subscription)


def confirm(token: str) -> ConfirmLink:
    """Confirm the subscription a link names if the link is still its latest; say what happened.

    The update repeats the link's conditions, so an unsubscription or a newer request
    that lands between reading the link and confirming wins.
    """
    link = read_confirm_link(token)
    if link.state != LinkState.PENDING or link.subscription is None:
        return link
    Subscription.objects.filter(
        pk=link.subscription.pk,
        confirmations_sent=link.subscription.confirmations_sent,
        confirmed_at__isnull=True,
        unsubscribed_at__isnull=True,
    ).update(confirmed_at=timezone.now())
    return read_confirm_link(token)


def resubscribe_url(subscription: Subscription) -> str:
    """Return the subscribe page's address with the subscription's subject filled in."""
    query = {"subject": subscription.subject}
    if subscription.subject != Subscription.Subject.MEETINGS:
        query[subscription.subject] = subscription.subject_key
    return f"{reverse('engagement:subscribe')}?{urlencode(query)}"


def unsubscribe(token: str) -> str | None:
    """End every subscription of the address the link names; return it, or None if invalid."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    email = str(data.get("e", ""))
    Subscription.objects.filter(email=email, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    return email


def subject_label(subscription: Subscription) -> str:
    if subscription.subject == Subscription.Subject.MEETINGS:
        return _("the meeting calendar")
    if subscription.subject == Subscription.Subject.GOAL:
        from citystat.plan.models import Goal

        goal = Goal.objects.filter(pk=subscription.subject_key).first()
        return goal.title if goal else _("a goal")
    if subscription.subject == Subscription.Subject.DISTRICT:
        return _("District %(name)s") % {"name": subscription.subject_key}
    return subscription.subject_key


@dataclass(frozen=True)
class DigestItem:
    kind: str
    item_id: int
    title: str
    url: str
    when: dt.datetime
    summary: str = ""
    figure: str = ""  # an update's measure now: "Potholes filled: 1,234 (March 2026)"


def updates_for(subscription: Subscription, since: dt.datetime) -> list[Update]:
    updates = published_updates().filter(published_at__gte=since)
    if subscription.subject == Subscription.Subject.NEIGHBORHOOD:
        updates = updates.filter(
            areas__kind=AreaKind.NEIGHBORHOOD, areas__name=subscription.subject_key
        )
    elif subscription.subject == Subscription.Subject.DISTRICT:
        updates = updates.filter(
            areas__kind=AreaKind.DISTRICT, areas__name=subscription.subject_key
        )
    elif subscription.subject == Subscription.Subject.GOAL:
        key = subscription.subject_key
        updates = updates.filter(Q(goal_id=key) | Q(measure__objective__goal_id=key))
    else:
        return []
    return list(updates.distinct())


def measure_figure(measure: Any) -> str:
    """Return an update's measure as the digest tells it, written by plan/display.py like
    the measure page: "Potholes filled: 1,234 (March 2026)"."""
    from citystat.engagement.embeds import measure_card
    from citystat.plan.templatetags.plan_periods import period_name

    if measure is None or not measure.is_public:
        return ""
    card = measure_card(measure)
    if card.value is None:
        return ""
    return _("%(measure)s: %(value)s (%(period)s)") % {
        "measure": card.title,
        "value": card.value_text,
        "period": period_name(card.period),
    }


def items_for(subscription: Subscription, now: dt.datetime) -> list[DigestItem]:
    """Return what the subscription's subject has to tell since it was confirmed."""
    since = subscription.confirmed_at or now
    items = [
        DigestItem(
            "update",
            u.pk,
            u.title,
            site_url(u.get_absolute_url()),
            u.published_at or now,
            u.body[:300],
            measure_figure(u.measure) if u.measure_id else "",
        )
        for u in updates_for(subscription, since)
    ]
    if subscription.subject == Subscription.Subject.MEETINGS:
        from citystat.meetings.queries import upcoming_meetings

        for meeting in upcoming_meetings(limit=50):
            if meeting.starts_at <= now + MEETINGS_AHEAD:
                items.append(
                    DigestItem(
                        "meeting",
                        meeting.pk,
                        str(meeting),
                        site_url(meeting.get_absolute_url()),
                        meeting.starts_at,
                    )
                )
    return items


@dataclass
class DigestReport:
    messages: int = 0
    items: int = 0
    skipped: list[str] = field(default_factory=list)


def pending_items(now: dt.datetime) -> dict[str, list[DigestItem]]:
    """Return {address: items never sent to it}, each item once however many subjects match."""
    by_email: dict[str, dict[tuple[str, int], DigestItem]] = defaultdict(dict)
    active = Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    for subscription in active.order_by("email", "pk"):
        for item in items_for(subscription, now):
            by_email[subscription.email][(item.kind, item.item_id)] = item
    sent = defaultdict(set)
    for email, kind, item_id in SentItem.objects.filter(email__in=list(by_email)).values_list(
        "email", "item_kind", "item_id"
    ):
        sent[email].add((kind, item_id))
    return {
        email: sorted((i for k, i in items.items() if k not in sent[email]), key=lambda i: i.when)
        for email, items in by_email.items()
        if set(items) - sent[email]
    }


def send_digest(now: dt.datetime | None = None) -> DigestReport:
    """Send each subscriber one message with the items they have not had; safe to repeat."""
    now = now or timezone.now()
    report = DigestReport()
    for email, items in pending_items(now).items():
        try:
            with transaction.atomic():
                SentItem.objects.bulk_create(
                    [
                        SentItem(email=email, item_kind=i.kind, item_id=i.item_id, sent_at=now)
                        for i in items
                    ]
                )
                send_digest_message(email, items)
        except IntegrityError:
            # Another digest run claimed these items first; it sends them.
            report.skipped.append(email)
            continue
        report.messages += 1
        report.items += len(items)
    return report


def send_digest_message(email: str, items: list[DigestItem]) -> None:
    context: dict[str, Any] = {
        "updates": [i for i in items if i.kind == "update"],
        "meetings": [i for i in items if i.kind == "meeting"],
        "manage_url": site_url(reverse("engagement:subscribe")),
    }
    send_message(
        email,
        _("News from the city: %(count)s new item(s)") % {"count": len(items)},
        "digest",
        context,
        unsubscribe_url=unsubscribe_url(email),
    )
