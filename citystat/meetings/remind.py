"""`citystat remind`: one email a day to each follow-up owner with their due and overdue items.

Safe to run from cron as often as you like: a ReminderSent row per person per day (unique)
records what went out, so a second run the same day sends nothing. The row is written
in the same transaction as the send is decided; a failed send rolls it back and the next
run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from citystat.meetings.followups import open_follow_ups
from citystat.meetings.models import FollowUp, ReminderSent

logger = logging.getLogger(__name__)

# Items due within this many days are "due soon" in the digest.
DUE_SOON_DAYS = 7


@dataclass
class Digest:
    user: Any
    overdue: list[FollowUp] = field(default_factory=list)
    due_soon: list[FollowUp] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon)


@dataclass
class RemindResult:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def digests(today: dt.date) -> list[Digest]:
    """Return, per owner with an email address or not, their overdue and soon-due items."""
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    by_owner: dict[int, Digest] = {}
    items = open_follow_ups().filter(owner__isnull=False, due_on__lte=horizon)
    for follow_up in items.select_related("owner", "meeting", "department").order_by("due_on"):
        owner = follow_up.owner
        assert owner is not None  # filtered above
        digest = by_owner.setdefault(owner.pk, Digest(owner))
        (digest.overdue if follow_up.due_on < today else digest.due_soon).append(follow_up)
    return sorted(by_owner.values(), key=lambda digest: digest.user.pk)


def send_reminders(today: dt.date | None = None, base_url: str = "") -> RemindResult:
    """Email each owner today's digest unless it already went out today."""
    today = today or timezone.localdate()
    result = RemindResult()
    for digest in digests(today):
        name = digest.user.get_username()
        if not digest.user.email:
            result.no_address.append(name)
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(user=digest.user, day=today, item_count=digest.count)
                message(digest, today, base_url).send()
        except IntegrityError:
            result.already_sent.append(name)
            continue
        except (OSError, smtplib.SMTPException) as error:
            # The transaction rolled back, so the next run tries this person again.
            logger.warning("reminder to %s failed: %s", name, error)
            result.failed.append(name)
            continue
        result.sent.append(name)
    return result


def message(digest: Digest, today: dt.date, base_url: str) -> EmailMultiAlternatives:
    context = {"digest": digest, "today": today, "base_url": base_url}
    subject = f"Follow-ups: {len(digest.overdue)} overdue, {len(digest.due_soon)} due soon"
    email = EmailMultiAlternatives(
        subject,
        render_to_string("meetings/remind_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [digest.user.email],
    )
    email.attach_alternative(render_to_string("meetings/remind_email.html", context), "text/html")
    return email
