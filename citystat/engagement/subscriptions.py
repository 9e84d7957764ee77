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
import logging
import smtplib
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
from citystat.engagement.embeds import measure_card
from citystat.engagement.models import (
    AreaKind,
    Mailbox,
    SentItem,
    Subscription,
    Update,
    UpdateArea,
)
from citystat.engagement.queries import published_updates
from citystat.jobs import queue
from citystat.meetings.queries import upcoming_meetings
from citystat.plan.models import Goal, Measure, Status
from citystat.plan.status import status_for
from citystat.plan.templatetags.plan_periods import period_name

logger = logging.getLogger(__name__)

CONFIRM_SALT = "citystat.engagement.confirm"
UNSUBSCRIBE_SALT = "citystat.engagement.unsubscribe"
CONFIRM_DAYS = 7
# A digest tells of meetings starting within this many days.
MEETINGS_AHEAD = dt.timedelta(days=14)
# After a failed send an address waits BACKOFF, then twice that after a second failure
# in a row, and so on; the MAX_FAILURES-th failure pauses it (record_failure).
BACKOFF = dt.timedelta(minutes=15)
MAX_FAILURES = 5
# A measure item's id is its value's row times this plus its status's place in Status.
STATUS_SLOTS = 16
# Addresses whose items are claimed in one transaction before their messages go out.
CLAIM_BATCH = 200


def confirm_token(subscription: Subscription) -> str:
    payload = {"s": subscription.pk, "e": subscription.email, "n": subscription.confirmations_sent}
    return signing.dumps(payload, salt=CONFIRM_SALT)


def unsubscribe_token(email: str) -> str:
    return signing.dumps({"e": email.lower()}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(email: str) -> str:
    return site_url(reverse("engagement:unsubscribe", args=[unsubscribe_token(email)]))


def subscribe(
    email: str, subject: str, subject_key: str, delivery: str = Subscription.Delivery.DIGEST
) -> Subscription:
    """Record the wish and send the confirmation link; nothing is sent until it is used.

    An active subscription keeps its delivery: changing it would need the address's
    confirmation, so whoever types someone's address cannot flood their inbox.
    """
    email = email.strip().lower()
    subscription, created = Subscription.objects.get_or_create(
        email=email, subject=subject, subject_key=subject_key
    )
    if not created and subscription.is_active:
        return subscription
    subscription.delivery = delivery
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
    if subscription.delivery != Subscription.Delivery.DIGEST:
        query["delivery"] = subscription.delivery
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
    if subscription.subject == Subscription.Subject.MEASURE:
        measure = Measure.objects.filter(pk=subscription.subject_key).first()
        return measure.title if measure else _("a measure")
    if subscription.subject == Subscription.Subject.GOAL:
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


class UpdateIndex:
    """The published updates since a day, looked up by place and by goal without a query each.

    The digest matches thousands of subscriptions; one query for the updates and one for
    their places replace one query per subscription.
    """

    def __init__(self, since: dt.datetime) -> None:
        updates = published_updates().filter(published_at__gte=since)
        self.updates = list(updates.select_related("measure__objective"))
        # Each update's link is built once, not once per subscriber it goes to.
        self.urls = {update.pk: site_url(update.get_absolute_url()) for update in self.updates}
        self.by_place: dict[tuple[str, str], list[Update]] = defaultdict(list)
        self.by_goal: dict[str, list[Update]] = defaultdict(list)
        by_pk = {update.pk: update for update in self.updates}
        areas = UpdateArea.objects.filter(update_id__in=list(by_pk)).values_list(
            "update_id", "kind", "name"
        )
        for update_id, kind, name in areas:
            self.by_place[(kind, name)].append(by_pk[update_id])
        for update in self.updates:
            goals = {update.goal_id, update.measure.objective.goal_id if update.measure else None}
            for goal_id in goals - {None}:
                self.by_goal[str(goal_id)].append(update)

    def for_subscription(self, subscription: Subscription, since: dt.datetime) -> list[Update]:
        subject = subscription.subject
        if subject in (Subscription.Subject.NEIGHBORHOOD, Subscription.Subject.DISTRICT):
            kind = AreaKind.NEIGHBORHOOD if subject == "neighborhood" else AreaKind.DISTRICT
            found = self.by_place.get((kind, subscription.subject_key), [])
        elif subject == Subscription.Subject.GOAL:
            found = self.by_goal.get(subscription.subject_key, [])
        else:
            return []
        return [u for u in found if u.published_at is not None and u.published_at >= since]


def updates_for(subscription: Subscription, since: dt.datetime) -> list[Update]:
    return UpdateIndex(since).for_subscription(subscription, since)


def measure_figure(measure: Measure | None) -> str:
    """Return an update's measure as the digest tells it, written by plan/display.py like
    the measure page: "Potholes filled: 1,234 (March 2026)"."""
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


def items_for(
    subscription: Subscription, now: dt.datetime, index: UpdateIndex | None = None
) -> list[DigestItem]:
    """Return what the subscription's subject has to tell since it was confirmed."""
    since = subscription.confirmed_at or now
    index = index or UpdateIndex(since)
    items = [
        DigestItem(
            "update",
            u.pk,
            u.title,
            index.urls[u.pk],
            u.published_at or now,
            u.body[:300],
            measure_figure(u.measure) if u.measure_id else "",
        )
        for u in index.for_subscription(subscription, since)
    ]
    if subscription.subject == Subscription.Subject.MEASURE:
        items.extend(measure_news(subscription, since))
    if subscription.subject == Subscription.Subject.MEETINGS:
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


def measure_news(subscription: Subscription, since: dt.datetime) -> list[DigestItem]:
    """Return the followed measure's newest value and status, if either is news.

    The item's id joins the value's row and the status, so a new value and a changed
    status (a target revised under the same value) are each a new item for the ledger,
    and the same value and status are never sent twice.
    """
    measure = Measure.objects.filter(pk=subscription.subject_key, is_public=True).first()
    if measure is None:
        return []
    judged = status_for(measure)
    value = judged.value
    if value is None or value.computed_at < since:
        return []
    code = list(Status.values).index(judged.status)
    title = _("%(measure)s: %(period)s is in; status: %(status)s") % {
        "measure": measure.title,
        "period": value.period,
        "status": Status(judged.status).label,
    }
    return [
        DigestItem(
            "measure",
            value.pk * STATUS_SLOTS + code,
            title,
            site_url(measure.get_absolute_url()),
            value.computed_at,
        )
    ]


@dataclass
class DigestReport:
    messages: int = 0
    items: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)


def held_addresses(now: dt.datetime) -> set[str]:
    """Return the addresses not to send to now: paused, or waiting out a back-off."""
    held = Mailbox.objects.filter(Q(paused_at__isnull=False) | Q(retry_after__gt=now))
    return set(held.values_list("email", flat=True))


def pending_items(now: dt.datetime, delivery: str | None = None) -> dict[str, list[DigestItem]]:
    """Return {address: items never sent to it}, each item once however many subjects match.

    `delivery` limits it to the subscriptions that chose that delivery; addresses that are
    paused or waiting after a failed send are left for later.
    """
    by_email: dict[str, dict[tuple[str, int], DigestItem]] = defaultdict(dict)
    active = Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    if delivery:
        active = active.filter(delivery=delivery)
    held = held_addresses(now)
    subscriptions = [s for s in active.order_by("email", "pk") if s.email not in held]
    if not subscriptions:
        return {}
    index = UpdateIndex(min(s.confirmed_at or now for s in subscriptions))
    for subscription in subscriptions:
        for item in items_for(subscription, now, index):
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


def send_digest(now: dt.datetime | None = None, delivery: str | None = None) -> DigestReport:
    """Send each subscriber one message with the items they have not had; safe to repeat.

    Items are claimed in the ledger before their message is sent, a batch of addresses per
    transaction (one commit per message made 2,500 messages take minutes on SQLite:
    benchmarks/pushes.py). A send the mail server refuses gives its claims back, so the
    items go in a later run; the address waits BACKOFF, doubled after each failure in a
    row, and is paused after MAX_FAILURES (staff see it in the workspace and may resume
    it). A crash between claiming and sending can leave a batch unsent, never sent twice.
    """
    now = now or timezone.now()
    report = DigestReport()
    pending = list(pending_items(now, delivery).items())
    for start in range(0, len(pending), CLAIM_BATCH):
        batch = claim(pending[start : start + CLAIM_BATCH], now, report)
        sent = []
        for email, items in batch:
            try:
                send_digest_message(email, items)
            except (smtplib.SMTPException, OSError) as error:
                SentItem.objects.filter(
                    email=email,
                    sent_at=now,
                    item_kind__in={i.kind for i in items},
                    item_id__in=[i.item_id for i in items],
                ).delete()
                mailbox = record_failure(email, error, now)
                (report.paused if mailbox.paused_at else report.failed).append(email)
                continue
            sent.append(email)
            report.messages += 1
            report.items += len(items)
        Mailbox.objects.filter(email__in=sent, failures__gt=0).update(
            failures=0, retry_after=None, last_error=""
        )
    return report


def claim(
    batch: list[tuple[str, list[DigestItem]]], now: dt.datetime, report: DigestReport
) -> list[tuple[str, list[DigestItem]]]:
    """Record the batch's items as sent; return the addresses this run may now send to.

    When another run claimed some of them first (the ledger's unique constraint), each
    address is claimed on its own and those already claimed are left to that run.
    """

    def rows(email: str, items: list[DigestItem]) -> list[SentItem]:
        return [
            SentItem(email=email, item_kind=i.kind, item_id=i.item_id, sent_at=now) for i in items
        ]

    try:
        with transaction.atomic():
            SentItem.objects.bulk_create([row for e, items in batch for row in rows(e, items)])
        return batch
    except IntegrityError:
        pass
    claimed = []
    for email, items in batch:
        try:
            with transaction.atomic():
                SentItem.objects.bulk_create(rows(email, items))
        except IntegrityError:
            report.skipped.append(email)
            continue
        claimed.append((email, items))
    return claimed


def record_failure(email: str, error: BaseException, now: dt.datetime) -> Mailbox:
    """Count a failed send to `email`: wait longer before the next try, or pause it."""
    logger.warning("digest to %s failed: %s: %s", email, type(error).__name__, error)
    mailbox, _created = Mailbox.objects.get_or_create(email=email)
    mailbox.failures += 1
    mailbox.failed_at = now
    mailbox.last_error = f"{type(error).__name__}: {error}"[:300]
    if mailbox.failures >= MAX_FAILURES:
        mailbox.paused_at = now
        mailbox.retry_after = None
    else:
        mailbox.retry_after = now + BACKOFF * 2 ** (mailbox.failures - 1)
    mailbox.save()
    return mailbox


def resume(email: str) -> bool:
    """Let mail go to a paused address again, from its next digest; say if it was paused."""
    return bool(
        Mailbox.objects.filter(email=email, paused_at__isnull=False).update(
            paused_at=None, retry_after=None, failures=0
        )
    )


def send_digest_message(email: str, items: list[DigestItem]) -> None:
    context: dict[str, Any] = {
        "updates": [i for i in items if i.kind == "update"],
        "meetings": [i for i in items if i.kind == "meeting"],
        "measures": [i for i in items if i.kind == "measure"],
        "manage_url": site_url(reverse("engagement:subscribe")),
    }
    send_message(
        email,
        _("News from the city: %(count)s new item(s)") % {"count": len(items)},
        "digest",
        context,
        unsubscribe_url=unsubscribe_url(email),
    )


# The job that mails immediate subscriptions (citystat/jobs/queue.py); see queue_delivery.
DELIVER = "engagement.deliver"


def queue_delivery(subject: str) -> None:
    """Mail the immediate subscribers once the current transaction commits, as a job.

    Called whenever an update is published (by staff, or by a watch's load); the ledger
    makes a second publish or a re-run of the job send nothing twice.
    """
    queue.enqueue(DELIVER, subject=subject)


def deliver_immediately() -> dict[str, Any]:
    """The delivery job: send the immediate subscriptions what they have not had."""
    report = send_digest(delivery=Subscription.Delivery.IMMEDIATE)
    summary = f"sent {report.messages} message(s) with {report.items} item(s)"
    if report.failed or report.paused:
        summary += (
            f"; the mail server refused {len(report.failed) + len(report.paused)} address(es), "
            "tried again after a wait"
        )
    return {
        "summary": summary,
        "messages": report.messages,
        "items": report.items,
        "failed": {
            email: "the mail server refused it; tried again later" for email in report.failed
        }
        | {email: "paused after repeated failures" for email in report.paused},
    }
