"""Invitations: a signed, expiring, single-use link instead of a shared password.

Nobody can hand out more than they hold: a person may invite someone into a role only if
they hold every permission that role grants (in each chosen department, for a permission
the role grants department by department). The rule is checked when the invitation is
made and again when it is accepted, so an invitation outlives no change of its sender's
roles.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from citystat.accounts.models import Invitation, StaffProfile
from citystat.accounts.permissions import ROLES, Role, role_permissions
from citystat.accounts.roles import all_permissions, grant_role

logger = logging.getLogger("citystat.security")

SALT = "citystat.accounts.invitation"
LIFETIME = dt.timedelta(days=7)


class InvitationRefused(Exception):
    """The link is forged, expired or already used; the message says which."""


class RoleNotYours(Exception):
    """The inviter lacks a permission of a role they tried to give; the message names it."""


def missing_permission(inviter: Any, role: str, departments: Any) -> str | None:
    """Return a permission `role` grants that `inviter` does not hold, or None if none."""
    spec = ROLES[role]
    for permission in role_permissions(role, list(all_permissions())):
        if inviter is None or not inviter.has_perm(permission):
            return permission
        if spec.grants_scoped(permission) and not spec.grants_unscoped(permission):
            for department in departments:
                if not inviter.has_perm(permission, department):
                    return f"{permission} in {department}"
    return None


def check_may_invite(inviter: Any, roles: list[str], departments: Any) -> None:
    """Raise RoleNotYours naming the first role and permission `inviter` may not give."""
    for role in sorted(roles):
        missing = missing_permission(inviter, role, departments)
        if missing is not None:
            raise RoleNotYours(
                f"You may not invite someone as {Role(role).label.lower()} ({role}): "
                f"that role grants {missing}, which you do not hold."
            )


def invite(
    email: str, roles: list[str], departments: Any, invited_by: Any
) -> tuple[Invitation, str]:
    """Create an invitation and return it with its link path; raise RoleNotYours if the
    inviter may not give one of `roles`."""
    check_may_invite(invited_by, roles, departments)
    invitation = Invitation.objects.create(
        email=email,
        roles=sorted(roles),
        invited_by=invited_by,
        expires_at=timezone.now() + LIFETIME,
    )
    invitation.departments.set(departments)
    return invitation, link_for(invitation)


def invite_from_command_line(email: str, role: str, departments: Any) -> tuple[Invitation, str]:
    """Create an invitation for `citystat users add`: whoever runs the server's commands
    already holds every role, so no inviter is checked."""
    invitation = Invitation.objects.create(
        email=email,
        roles=[role],
        from_command_line=True,
        expires_at=timezone.now() + LIFETIME,
    )
    invitation.departments.set(departments)
    return invitation, link_for(invitation)


def link_for(invitation: Invitation) -> str:
    token = signing.dumps({"invitation": invitation.pk, "email": invitation.email}, salt=SALT)
    return f"/staff/invitations/{token}/"


def send_invitation(invitation: Invitation, link: str, base_url: str) -> None:
    send_mail(
        "You are invited to citystat",
        f"You have been invited to citystat's staff workspace.\n\n"
        f"Choose your username and password here (the link works once, for 7 days):\n"
        f"{base_url}{link}\n",
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


def open_invitation(token: str) -> Invitation:
    """Return the invitation `token` names, or raise InvitationRefused saying why."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LIFETIME)
    except signing.SignatureExpired:
        raise InvitationRefused("This invitation has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise InvitationRefused(
            "This invitation link is not valid. Check it was copied whole."
        ) from None
    invitation = Invitation.objects.filter(
        pk=data.get("invitation"), email=data.get("email")
    ).first()
    if invitation is None:
        raise InvitationRefused("This invitation link is not valid. Check it was copied whole.")
    if invitation.accepted_at is not None:
        raise InvitationRefused("This invitation has already been used. Sign in instead.")
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def accept(invitation: Invitation, username: str, password: str) -> User:
    """Create the account the invitation promised and mark the invitation used."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise InvitationRefused("This invitation has already been used. Sign in instead.")
    try:
        if not locked.from_command_line:
            check_may_invite(locked.invited_by, locked.roles, locked.departments.all())
    except RoleNotYours as refusal:
        logger.warning("refused invitation %s: its sender may no longer give its roles", locked.pk)
        raise InvitationRefused(
            "This invitation is no longer valid: the person who sent it may not give one of "
            f"its roles now ({refusal}). Ask for a new one."
        ) from None
    user = User.objects.create_user(username=username, email=locked.email, password=password)
    profile = StaffProfile.objects.create(user=user)
    profile.departments.set(locked.departments.all())
    for role in locked.roles:
        grant_role(user, role)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return user
