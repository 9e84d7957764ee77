"""The test cast (STYLE.md, Tests): staff people made through the real roles.

Plain functions, so benchmarks and browser tests can call them outside pytest; the root
`conftest.py` wraps them as fixtures (`departments`, `cast`, `alice`, `bob`, …).

The cast: `dana` administrator, `alice` performance office, `bob` department editor of
Water Services, `pat` department editor of Public Works (made only when asked for, so the
tests that count people see the cast they always saw), `mona` moderator, `sam` data
steward, `vera` internal viewer, `carol` signed in with no access. A resident is a client
that is not signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.city.models import Department

PASSWORD = "correct horse battery staple"
# code → name of the two departments the cast works for.
DEPARTMENTS = {"water": "Water Services", "public-works": "Public Works"}


def make_departments() -> dict[str, Department]:
    """Create Water Services and Public Works, keyed by code."""
    return {
        code: Department.objects.create(code=code, name=name) for code, name in DEPARTMENTS.items()
    }


def make_person(username: str, role: str | None, departments: Iterable[Department] = ()) -> User:
    """Create a staff person with `role` (granted as the site grants it) in `departments`."""
    user = User.objects.create_user(username, f"{username}@example.gov", PASSWORD)
    profile = StaffProfile.objects.create(user=user)
    profile.departments.set(list(departments))
    if role:
        grant_role(user, role)
    return user


def make_cast(departments: dict[str, Department]) -> dict[str, User]:
    """Create the cast the module docstring lists (all but `pat`), keyed by name."""
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


def signed_in_person(
    username: str, role: str | None, departments: Iterable[Department] = ()
) -> Client:
    """Create a staff person (see `make_person`) and return a client signed in as them."""
    return signed_in(make_person(username, role, departments))
