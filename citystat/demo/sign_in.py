"""Demo sign-ins: one working account per role, printed by `citystat demo`.

The demo's department accounts (`demo-<department>`, made with its meetings) start with
an unusable password, so nobody could sign in to the demo city. Each run of `citystat demo`
gives every demo account one fresh random password and prints it: nothing is guessable and
a copied-out old password stops working at the next run.

In the demo city only, served on a loopback address only, an administrator account is
added with two-factor sign-in already set up, and its code generator secret is printed
(`may_pre_enrol` is the guard). Anywhere else an administrator's code generator is set up
through the emailed link like everyone's (docs/security.md).
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role
from citystat.city.models import Department
from citystat.lib.errors import CitystatError

PERFORMANCE = "demo-performance"
VIEWER = "demo-viewer"
ADMINISTRATOR = "demo-admin"
# Made only when the demo has no department accounts yet (its meetings make them).
EDITOR = "demo-editor"
TOTP_DEVICE_NAME = "demo code generator"


class DemoSignInRefused(CitystatError):
    """Pre-enrolled two-factor was asked for outside the demo city or off loopback."""


@dataclass(frozen=True)
class DemoSignIn:
    role: str
    username: str
    password: str
    department: str = ""
    # Base32, as code generator apps take it; only for the pre-enrolled administrator.
    totp_secret: str = ""


def is_loopback(host: str) -> bool:
    """Return whether `host` (an address or name as given to `serve`) is this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def may_pre_enrol(host: str, *, is_demo_city: bool) -> bool:
    """Two-factor may be set up ahead only for the demo city served on loopback."""
    return is_demo_city and is_loopback(host)


def staff_account(username: str, role: str, departments: list[Any], password: str) -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.gov"}
    )
    user.set_password(password)
    user.is_active = True
    user.save()
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    if departments:
        profile.departments.set(departments)
    grant_role(user, role)
    return user


def department_editors() -> list[User]:
    editors = User.objects.filter(
        username__startswith="demo-", groups__name=Role.DEPARTMENT_EDITOR
    ).exclude(username__in=[PERFORMANCE, VIEWER, ADMINISTRATOR])
    return list(editors.order_by("username").distinct())


def first_department(user: User) -> str:
    profile = StaffProfile.objects.filter(user=user).first()
    department = profile.departments.order_by("name").first() if profile else None
    return department.name if department else ""


@transaction.atomic
def prepare_demo_sign_ins(host: str, *, is_demo_city: bool) -> list[DemoSignIn]:
    """Give every demo account a fresh password and return one sign-in per role.

    Raises DemoSignInRefused only if called for another city: the demo command is the
    one caller, and it passes whether the city it built is the demo.
    """
    if not is_demo_city:
        raise DemoSignInRefused("demo sign-ins are made in the demo city only.")
    password = secrets.token_urlsafe(12)
    editors = department_editors()
    if not editors:
        department = Department.objects.filter(measures__isnull=False).order_by("code").first()
        if department is None:
            department = Department.objects.order_by("code").first()
        if department is None:
            raise CitystatError("the demo city has no departments to give an editor.")
        editors = [staff_account(EDITOR, Role.DEPARTMENT_EDITOR, [department], password)]
    for editor in editors:
        editor.set_password(password)
        editor.is_active = True
        editor.save(update_fields=["password", "is_active"])
    performance = staff_account(PERFORMANCE, Role.PERFORMANCE_STAFF, [], password)
    viewer = staff_account(VIEWER, Role.INTERNAL_VIEWER, [], password)
    sign_ins = [
        DemoSignIn("Performance office", performance.username, password),
        DemoSignIn(
            "Department editor",
            editors[0].username,
            password,
            department=first_department(editors[0]),
        ),
        DemoSignIn("Viewer", viewer.username, password),
    ]
    if may_pre_enrol(host, is_demo_city=is_demo_city):
        sign_ins.append(pre_enrolled_administrator(password))
    else:
        # An administrator pre-enrolled on an earlier loopback run must not stay usable
        # with a printed secret once the demo is served to other machines.
        User.objects.filter(username=ADMINISTRATOR).update(is_active=False)
    return sign_ins


def pre_enrolled_administrator(password: str) -> DemoSignIn:
    user = staff_account(ADMINISTRATOR, Role.ADMINISTRATOR, [], password)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
    return DemoSignIn("Administrator", user.username, password, totp_secret=secret)


def describe(sign_ins: list[DemoSignIn], site_url: str) -> str:
    """Return the lines `citystat demo` prints about signing in."""
    lines = [f"Staff sign-in at {site_url}/staff/login/ (this run's password, for every role):"]
    for sign_in in sign_ins:
        where = f" ({sign_in.department})" if sign_in.department else ""
        lines.append(f"  {sign_in.role}{where}: {sign_in.username} / {sign_in.password}")
        if sign_in.totp_secret:
            lines.append(f"    two-factor code generator secret: {sign_in.totp_secret}")
    # The meetings' department accounts, when there are any (not the stand-in editor).
    if any(s.role == "Department editor" and s.username != EDITOR for s in sign_ins):
        lines.append(
            "  Every demo-<department> account is that department's editor, same password."
        )
    return "\n".join(lines)
