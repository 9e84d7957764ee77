"""Sign-in steps: password (throttled), then a TOTP code when the person has a device.

Someone whose role requires two-factor sign-in and who has no device yet is not signed in
by the password: `needs_enrolment` tells the view to email a set-up link instead
(citystat/accounts/enrolment.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.context import client_ip
from citystat.accounts.models import SignInAttempt
from citystat.accounts.roles import requires_two_factor
from citystat.accounts.throttle import CODES, code_locked_until, locked_until, note_attempt

logger = logging.getLogger("citystat.security")

PENDING = "citystat_pending_sign_in"
# How long a person has between the password and the code.
PENDING_SECONDS = 300


@dataclass
class Outcome:
    user: Any = None
    locked_until: dt.datetime | None = None
    needs_token: bool = False
    # The password was right, but the role requires two-factor and there is no device.
    needs_enrolment: bool = False


def safe_next(request: HttpRequest, default: str = "/staff/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else default


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def check_password(request: HttpRequest, username: str, password: str) -> Outcome:
    """Check a password unless the account or address is locked; note the attempt."""
    ip = client_ip(request)
    until = locked_until(username, ip)
    if until is not None:
        logger.warning("sign-in refused while locked: user=%r ip=%s", username, ip)
        return Outcome(locked_until=until)
    user = authenticate(request, username=username, password=password)
    note_attempt(username, ip, succeeded=user is not None)
    if user is None:
        logger.warning("failed sign-in: user=%r ip=%s", username, ip)
        return Outcome()
    if confirmed_device(user) is not None:
        return Outcome(user=user, needs_token=True)
    if requires_two_factor(user):
        logger.warning("password-only sign-in refused: %r must set up two-factor", username)
        return Outcome(user=user, needs_enrolment=True)
    return Outcome(user=user)


def hold_for_token(request: HttpRequest, user: Any) -> None:
    """Remember who typed a good password, until they give their code."""
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time()}


def pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]  # type: ignore[attr-defined]
    return user


def verify_code(request: HttpRequest, user: Any, device: TOTPDevice, token: str) -> Outcome:
    """Check a TOTP code unless the account's two-factor step is locked; note the attempt.

    Codes are counted apart from passwords (throttle.CODES), so a right password never
    clears wrong codes; only a right code does.
    """
    until = code_locked_until(user.get_username())
    if until is not None:
        logger.warning("two-factor code refused while locked: user=%r", user.get_username())
        return Outcome(locked_until=until)
    ok = device.verify_token(token.strip())
    ip = client_ip(request)
    note_attempt(user.get_username(), ip, succeeded=ok, kind=SignInAttempt.Kind.CODE)
    if not ok:
        logger.warning("wrong two-factor code: user=%r ip=%s", user.get_username(), ip)
        # The code that reaches the limit locks at once: say so now, not on the next try.
        return Outcome(locked_until=code_locked_until(user.get_username()))
    return Outcome(user=user)


def check_token(request: HttpRequest, user: Any, device: TOTPDevice, token: str) -> Outcome:
    """Check a TOTP code, throttled per account; on success finish the sign-in."""
    outcome = verify_code(request, user, device, token)
    if outcome.user is None:
        return outcome
    if not request.user.is_authenticated:
        request.session.pop(PENDING, None)
        login(request, user, backend=user.backend)
    otp_login(request, device)
    return outcome


def code_lock_message(until: dt.datetime) -> str:
    """Say, in one sentence, that the two-factor step is locked and for how long."""
    minutes = minutes_until(until)
    return (
        f"Two-factor sign-in for this account is locked for {minutes} "
        f"minute{'s' if minutes != 1 else ''} after {CODES.free} wrong codes."
    )


def minutes_until(moment: dt.datetime) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds() / 60))
