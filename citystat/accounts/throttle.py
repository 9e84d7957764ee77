"""Sign-in throttling per account and per IP address, stored in the app database.

After `FREE_FAILURES` failed attempts in a row, an account is locked for a period that
doubles with each further failure (1 minute, 2, 4, … up to `LONGEST_LOCK`). An IP address
gets the same treatment after `FREE_FAILURES_PER_IP` failures across any accounts in
`IP_WINDOW`. The rows live in the database, not in process memory, so every web node and
every worker sees the same count.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from citystat.accounts.models import SignInAttempt

FREE_FAILURES = 5
FREE_FAILURES_PER_IP = 20
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)
IP_WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=30)


def normalise(username: str) -> str:
    return username.strip().lower()[:150]


def lock_length(failures: int, free: int) -> dt.timedelta:
    if failures < free:
        return dt.timedelta(0)
    return min(FIRST_LOCK * 2 ** (failures - free), LONGEST_LOCK)


def locked_until(username: str, ip: str | None) -> dt.datetime | None:
    """Return when the account or address may try again, or None if it may now."""
    now = timezone.now()
    name = normalise(username)
    last_success = SignInAttempt.objects.filter(username=name, succeeded=True).aggregate(
        at=Max("at")
    )["at"]
    failures = SignInAttempt.objects.filter(username=name, succeeded=False, at__gte=now - KEEP)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    until = []
    count = failures.count()
    if count >= FREE_FAILURES:
        latest = failures.aggregate(at=Max("at"))["at"]
        until.append(latest + lock_length(count, FREE_FAILURES))
    if ip:
        from_ip = SignInAttempt.objects.filter(ip=ip, succeeded=False, at__gte=now - IP_WINDOW)
        ip_count = from_ip.count()
        if ip_count >= FREE_FAILURES_PER_IP:
            latest = from_ip.aggregate(at=Max("at"))["at"]
            until.append(latest + lock_length(ip_count, FREE_FAILURES_PER_IP))
    later = [moment for moment in until if moment > now]
    return max(later) if later else None


def note_attempt(username: str, ip: str | None, succeeded: bool) -> None:
    SignInAttempt.objects.create(
        username=normalise(username), ip=ip, succeeded=succeeded, at=timezone.now()
    )


def forget_old_attempts() -> int:
    """Delete attempts older than `KEEP`; return how many went."""
    deleted, _ = SignInAttempt.objects.filter(at__lt=timezone.now() - KEEP).delete()
    return deleted
