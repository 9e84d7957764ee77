"""Issue #16, Medium 8: nobody invites someone into a role with powers they lack."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from citystat.accounts.invitations import link_for
from citystat.accounts.models import Invitation
from citystat.accounts.testing import PASSWORD, signed_in

ACCEPT = {"username": "nina", "password1": PASSWORD, "password2": PASSWORD}


def invite(user: User, role: str, **extra):
    return signed_in(user).post(
        "/staff/invitations/", {"email": "new@example.gov", "roles": [role], **extra}
    )


def test_the_performance_office_cannot_invite_a_data_steward(alice):
    response = invite(alice, "data-steward")
    assert response.status_code == 400
    assert (
        b"You may not invite someone as data steward (data-steward): that role grants "
        b"catalog.add_dataset, which you do not hold."
    ) in response.content
    assert not Invitation.objects.exists()


def test_the_performance_office_may_invite_roles_within_its_own(alice):
    for role in ("internal-viewer", "moderator"):
        assert invite(alice, role).status_code == 302
    assert Invitation.objects.count() == 2


def test_an_administrator_may_invite_a_data_steward(dana):
    assert invite(dana, "data-steward").status_code == 302
    assert Invitation.objects.get().roles == ["data-steward"]


def test_an_invitation_its_sender_may_no_longer_give_is_refused(alice, dana):
    invitation = Invitation.objects.create(
        email="new@example.gov",
        roles=["data-steward"],
        invited_by=alice,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    response = Client().post(link_for(invitation), ACCEPT)
    assert response.status_code == 400
    assert b"catalog.add_dataset" in response.content
    assert not User.objects.filter(username="nina").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
