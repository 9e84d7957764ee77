"""`citystat users add`: staff invited from the command line, bad input refused."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from citystat.accounts.invitations import invite
from citystat.accounts.models import Invitation, StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import roles_of, sync_roles
from citystat.accounts.testing import PASSWORD


def add(*args: str) -> str:
    out = io.StringIO()
    call_command("users", "add", *args, "--site-url", "https://stat.example.gov/", stdout=out)
    return out.getvalue()


def accept(link: str, username: str) -> Client:
    client = Client()
    path = link.removeprefix("https://stat.example.gov")
    response = client.post(
        path, {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def roles(db) -> None:
    sync_roles()


def test_a_department_editor_is_invited_and_joins_with_the_printed_link(roles, departments):
    output = add("lee@example.gov", "--role", "department-editor", "--department", "water")
    assert "as department editor for Water Services" in output
    link = re.search(r"https://stat\.example\.gov/staff/invitations/\S+/", output)[0]  # type: ignore[index]
    accept(link, "lee")
    lee = User.objects.get(username="lee")
    assert (lee.email, roles_of(lee)) == ("lee@example.gov", [Role.DEPARTMENT_EDITOR])
    assert list(StaffProfile.objects.get(user=lee).departments.values_list("code", flat=True)) == [
        "water"
    ]
    response = Client().post("/staff/login/", {"username": "lee", "password": PASSWORD})
    assert response["Location"] == "/staff/"


def test_a_department_is_found_by_its_name_in_any_case(roles, departments):
    add("kim@example.gov", "--role", "department-editor", "--department", "public WORKS")
    invitation = Invitation.objects.get(email="kim@example.gov")
    assert [d.code for d in invitation.departments.all()] == ["public-works"]
    assert invitation.from_command_line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["not-an-address", "--role", "internal-viewer"], "'not-an-address' is not an email"),
        (["x@example.gov", "--role", "boss"], "--role 'boss' is not a role; the roles are:"),
        (
            ["x@example.gov", "--role", "department-editor"],
            "name at least one with --department",
        ),
        (
            ["x@example.gov", "--role", "department-editor", "--department", "parks"],
            "--department 'parks' is not a department's code or name; "
            "the departments are: public-works, water.",
        ),
        (["alice@example.gov", "--role", "internal-viewer"], "already has an account (alice)"),
    ],
)
def test_bad_input_is_refused_and_invites_nobody(cast, args, says):
    with pytest.raises(CommandError, match=re.escape(says)) as refusal:
        add(*args)
    assert refusal.value.returncode == 2
    assert not Invitation.objects.exists()


def test_a_web_invitation_whose_sender_is_gone_still_cannot_be_accepted(cast):
    """The command-line flag, not an empty sender, lets an invitation skip the inviter check."""
    invitation, link = invite("eve@example.gov", [Role.PERFORMANCE_STAFF], [], cast["alice"])
    cast["alice"].delete()
    invitation.refresh_from_db()
    assert invitation.invited_by is None and not invitation.from_command_line
    response = Client().post(
        link, {"username": "eve", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(username="eve").exists()
    assert response.status_code != 302
