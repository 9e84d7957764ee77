"""The cast (STYLE.md): alice in the performance office, bob editing for Water Services,
carol with no access, and one person for each other role."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import Department

PASSWORD = "correct horse battery staple"


@pytest.fixture
def departments(db) -> dict[str, Department]:
    return {
        "water": Department.objects.create(code="water", name="Water Services"),
        "public-works": Department.objects.create(code="public-works", name="Public Works"),
    }


def make_person(username: str, role: str | None, departments: list[Department] = ()) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(username, f"{username}@example.gov", PASSWORD)
    profile = StaffProfile.objects.create(user=user)
    profile.departments.set(departments)
    if role:
        grant_role(user, role)
    return user


@pytest.fixture
def cast(db, departments) -> dict[str, User]:
    sync_roles()
    return {
        "dana": make_person("dana", Role.ADMINISTRATOR),
        "alice": make_person("alice", Role.PERFORMANCE_STAFF),
        "bob": make_person("bob", Role.DEPARTMENT_EDITOR, [departments["water"]]),
        "mona": make_person("mona", Role.MODERATOR),
        "sam": make_person("sam", Role.DATA_STEWARD),
        "vera": make_person("vera", Role.INTERNAL_VIEWER),
        "carol": make_person("carol", None),
    }


@pytest.fixture
def alice(cast) -> User:
    return cast["alice"]


@pytest.fixture
def bob(cast) -> User:
    return cast["bob"]


@pytest.fixture
def carol(cast) -> User:
    return cast["carol"]


@pytest.fixture
def dana(cast) -> User:
    return cast["dana"]


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def signed_in(user: User, *, verified: bool = True, **client_kwargs: Any) -> Client:
    """Return a client signed in as `user`; administrators also pass two-factor."""
    client = Client(**client_kwargs)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified and user.groups.filter(name=Role.ADMINISTRATOR).exists():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or confirmed_device(
            user
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client
