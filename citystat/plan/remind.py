"""Reporting reminders: `citystat remind` emails each department's writers what their
measures owe this reporting cycle (citystat/plan/cycle.py).

A narrative (or entered value) is reminded of when it comes within `REMIND_BEFORE_DAYS`
of its due day, again once it is overdue, and when the performance office returns a
narrative with comments. Each of those goes to a person once per measure and period: a
ReportingReminder row, written in the same transaction as the send, records it, so cron
can run the command as often as it likes; a failed send rolls the rows back and the next
run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from citystat.plan.cycle import DUE, Duty, duties_of
from citystat.plan.models import ReportingReminder

logger = logging.getLogger(__name__)

REMIND_BEFORE_DAYS = 7


@dataclass
class ReportingRemindResult:
    sent: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def to_remind(user: Any, today: dt.date) -> list[Duty]:
    """Return the person's open duties that a reminder is due for and not yet sent."""
    duties = [
        duty
        for duty in duties_of(user, today=today)
        if duty.state != DUE or today >= duty.due - dt.timedelta(days=REMIND_BEFORE_DAYS)
    ]
    sent = set(
        ReportingReminder.objects.filter(
            user=user, measure__in=[duty.measure for duty in duties]
        ).values_list("measure_id", "period", "kind")
    )
    return [d for d in duties if (d.measure.pk, d.period.label, d.state) not in sent]


def send_reporting_reminders(
    today: dt.date | None = None, base_url: str = ""
) -> ReportingRemindResult:
    """Email each writer the reminders that are due for them and not sent before."""
    today = today or timezone.localdate()
    result = ReportingRemindResult()
    writers = User.objects.filter(is_active=True, staff_profile__departments__isnull=False)
    for user in writers.distinct().order_by("pk"):
        duties = to_remind(user, today)
        if not duties:
            continue
        name = user.get_username()
        if not user.email:
            result.no_address.append(name)
            continue
        try:
            with transaction.atomic():
                ReportingReminder.objects.bulk_create(
                    ReportingReminder(
                        user=user, measure=d.measure, period=d.period.label, kind=d.state
                    )
                    for d in duties
                )
                message(user, duties, base_url).send()
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("reporting reminder to %s failed: %s", name, error)
            result.failed.append(name)
            continue
        result.sent.append(name)
    return result


def message(user: Any, duties: list[Duty], base_url: str) -> EmailMessage:
    lines = [f"Hello {user.get_full_name() or user.get_username()},", ""]
    lines.append("These measures need their narrative or value for the reporting cycle:")
    for duty in duties:
        url = base_url + reverse("staff-measure", args=[duty.measure.slug])
        lines += ["", f"- {duty.measure.title}: {duty.state_label}.", f"  {duty.sentence()}"]
        lines.append(f"  {url}")
    lines += ["", "Everything that needs you is on the staff workspace:", f"{base_url}/staff/"]
    overdue = sum(duty.state == "overdue" for duty in duties)
    subject = f"Reporting: {len(duties)} measure(s) need you" + (
        f", {overdue} overdue" if overdue else ""
    )
    return EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email])
