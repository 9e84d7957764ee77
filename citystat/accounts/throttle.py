"""Sign-in throttling, stored in the app database so every web node sees the same count.

Four limits, each a `Limit` (docs/security.md has the same numbers):

- `ACCOUNT_FROM_ADDRESS`: wrong passwords for one account *from one IP address*, in a
  row since that address last signed in to it. A stranger's failures lock the account
  for the stranger's address only, never for the person at their own desk.
- `ADDRESS`: wrong passwords from one IP address across any accounts within an hour.
- `ACCOUNT`: wrong passwords for one account from every address within a day, so
  credential stuffing from many addresses is still slowed. The threshold is much higher
  and the lock shorter, and an address that signed in to the account within `KEEP` is
  not held back by it.
- `CODES`: wrong two-factor codes for one account, from any address, in a row since the
  last right code. A right password never resets it: only a right code does. Trying a
  code needs the password already, so a lock here is the account's own, not a stranger's.

Password-reset requests are not sign-in attempts (views/signin.py rate-limits them on
their own), so an office behind one address cannot lock itself out by asking for links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.utils import timezone

from citystat.accounts.models import SignInAttempt

Kind = SignInAttempt.Kind
KEEP = dt.timedelta(days=30)


@dataclass(frozen=True)
class Limit:
    """`free` failures are allowed; each one after that locks for a doubling time."""

    free: int
    first_lock: dt.timedelta
    longest_lock: dt.timedelta
    # Failures older than this no longer count (besides any reset by a success).
    window: dt.timedelta = KEEP

    def lock_length(self, failures: int) -> dt.timedelta:
        """Return how long the `failures`-th failure locks for (zero while still free)."""
        if failures < self.free:
            return dt.timedelta(0)
        # Doubled step by step, not as first_lock * 2 ** n: after some forty failures that
        # product no longer fits a timedelta, and the sign-in page would fail with 500.
        length = self.first_lock
        for _ in range(failures - self.free):
            if length >= self.longest_lock:
                break
            length *= 2
        return min(length, self.longest_lock)

    def lock_end(self, failures: int, latest: dt.datetime | None) -> dt.datetime | None:
        """Return when a lock from `failures` failures, the last at `latest`, ends."""
        if latest is None or failures < self.free:
            return None
        return latest + self.lock_length(failures)


MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
ACCOUNT_FROM_ADDRESS = Limit(free=5, first_lock=MINUTE, longest_lock=HOUR)
ADDRESS = Limit(free=20, first_lock=MINUTE, longest_lock=HOUR, window=HOUR)
ACCOUNT = Limit(
    free=50, first_lock=MINUTE, longest_lock=dt.timedelta(minutes=15), window=dt.timedelta(days=1)
)
CODES = Limit(free=5, first_lock=MINUTE, longest_lock=HOUR)


def normalise(username: str) -> str:
    return username.strip().lower()[:150]


def end_of_lock(limit: Limit, failures: QuerySet[SignInAttempt]) -> dt.datetime | None:
    counted = failures.filter(at__gte=timezone.now() - limit.window)
    found = counted.aggregate(latest=Max("at"))["latest"]
    return limit.lock_end(counted.count(), found) if found is not None else None


def last_success(**lookup: object) -> dt.datetime | None:
    rows = SignInAttempt.objects.filter(succeeded=True, at__gte=timezone.now() - KEEP, **lookup)
    return rows.aggregate(at=Max("at"))["at"]


def failures_since_success(**lookup: object) -> QuerySet[SignInAttempt]:
    """Return the failures matching `lookup` after the last success matching it."""
    failures = SignInAttempt.objects.filter(succeeded=False, **lookup)
    since = last_success(**lookup)
    return failures if since is None else failures.filter(at__gt=since)


def latest_of(moments: list[dt.datetime | None]) -> dt.datetime | None:
    now = timezone.now()
    later = [moment for moment in moments if moment is not None and moment > now]
    return max(later) if later else None


def locked_until(username: str, ip: str | None) -> dt.datetime | None:
    """Return when a password for `username` from `ip` may be tried again, or None if now."""
    name = normalise(username)
    passwords = {"kind": Kind.PASSWORD}
    ends = [
        end_of_lock(ACCOUNT_FROM_ADDRESS, failures_since_success(username=name, ip=ip, **passwords))
    ]
    if ip:
        from_ip = SignInAttempt.objects.filter(ip=ip, succeeded=False, **passwords)
        ends.append(end_of_lock(ADDRESS, from_ip))
    if ip is None or last_success(username=name, ip=ip, **passwords) is None:
        everywhere = SignInAttempt.objects.filter(username=name, succeeded=False, **passwords)
        ends.append(end_of_lock(ACCOUNT, everywhere))
    return latest_of(ends)


def code_locked_until(username: str) -> dt.datetime | None:
    """Return when a two-factor code for `username` may be tried again, or None if now."""
    failures = failures_since_success(username=normalise(username), kind=Kind.CODE)
    return latest_of([end_of_lock(CODES, failures)])


def note_attempt(username: str, ip: str | None, succeeded: bool, kind: str = Kind.PASSWORD) -> None:
    SignInAttempt.objects.create(
        username=normalise(username), ip=ip, succeeded=succeeded, kind=kind, at=timezone.now()
    )


def forget_old_attempts() -> int:
    """Delete attempts older than `KEEP`; return how many went."""
    deleted, _ = SignInAttempt.objects.filter(at__lt=timezone.now() - KEEP).delete()
    return deleted
