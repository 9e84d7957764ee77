"""Two-factor enrolment by an emailed link, for people whose role requires two-factor.

Someone who must use two-factor sign-in (administrators) and has no device yet cannot
sign in with the password alone: that would let whoever learned the password enrol their
own authenticator. Instead the right password sends a link to the address on the
account, and only that link shows the authenticator key:

    link = link_for(user)            # "/staff/two-factor/enrol/<token>/"
    user = open_link(token)          # or raises EnrolmentRefused saying why

The token is signed (django.core.signing) and expires after `LIFETIME`. It carries a
digest of the account's password hash and confirmed devices, so it stops working once a
device is confirmed or the password changes: it can enrol one device, once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.ratelimit import check_rate

logger = logging.getLogger("citystat.security")

SALT = "citystat.accounts.two-factor-enrolment"
LIFETIME = dt.timedelta(hours=1)
# At most this many links per account per hour, so a password guesser who got it right
# cannot flood the person's inbox.
LINKS_PER_HOUR = 3


class EnrolmentRefused(Exception):
    """The link is forged, expired or already used; the message says which."""


def account_state(user: Any) -> str:
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    ids = ",".join(str(pk) for pk in devices.values_list("pk", flat=True))
    return hashlib.sha256(f"{user.password}|{ids}".encode()).hexdigest()[:32]


def link_for(user: Any) -> str:
    token = signing.dumps({"user": user.pk, "state": account_state(user)}, salt=SALT)
    return f"/staff/two-factor/enrol/{token}/"


def open_link(token: str) -> User:
    """Return the person `token` lets enrol a device, or raise EnrolmentRefused saying why."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LIFETIME)
    except signing.SignatureExpired:
        raise EnrolmentRefused(
            "This two-factor set-up link has expired (links work for an hour). "
            "Sign in with your password to get a new one."
        ) from None
    except signing.BadSignature:
        raise EnrolmentRefused(
            "This two-factor set-up link is not valid. Check it was copied whole."
        ) from None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        raise EnrolmentRefused("This two-factor set-up link is for an account that is not active.")
    if data.get("state") != account_state(user):
        raise EnrolmentRefused(
            "This two-factor set-up link has already been used, or the password changed "
            "since it was sent. Sign in with your password and a code."
        )
    return user


def pending_device(user: Any) -> TOTPDevice:
    """Return the unconfirmed device being set up for `user`, creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def send_link(request: HttpRequest, user: Any) -> bool:
    """Email `user` a set-up link; return False when there is nowhere or too often to send."""
    if not user.email:
        logger.warning("no two-factor set-up link for %r: the account has no email", user)
        return False
    decision = check_rate(request, "two-factor-enrolment", LINKS_PER_HOUR, 3600, key=str(user.pk))
    if not decision.allowed:
        logger.warning("two-factor set-up link for %r not sent: too many this hour", user)
        return True  # the earlier links still work; say the same as when one was sent
    base = request.build_absolute_uri("/")[:-1]
    send_mail(
        "Set up two-factor sign-in for citystat",
        "Your citystat role requires two-factor sign-in. Someone (we hope you) typed your "
        "password just now, so here is a link to set up an authenticator app.\n\n"
        f"It works once, for {int(LIFETIME.total_seconds() // 60)} minutes:\n"
        f"{base}{link_for(user)}\n\n"
        "If it was not you, change your password: the link alone does not sign anyone in.\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    logger.info("sent a two-factor set-up link to %r", user)
    return True
