"""Demo sign-ins: the printed accounts sign in; pre-enrolled two-factor stays in the demo."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, roles_of, sync_roles
from citystat.city.models import Department
from citystat.demo import sign_in
from citystat.demo.build import DemoBuild
from citystat.demo.management.commands import demo as demo_command
from citystat.demo.sign_in import (
    DemoSignInRefused,
    is_loopback,
    may_pre_enrol,
    prepare_demo_sign_ins,
)

LINE = re.compile(r"^\s+(?P<role>[A-Za-z ]+?)(?: \([^)]*\))?: (?P<user>\S+) / (?P<password>\S+)$")


@pytest.fixture
def demo_staff(db) -> User:
    """A department account as the demo's meetings make it: no usable password."""
    sync_roles()
    water = Department.objects.create(code="water", name="Water Services")
    user = User.objects.create(username="demo-water", email="demo-water@example.gov")
    user.set_unusable_password()
    user.save()
    StaffProfile.objects.create(user=user).departments.add(water)
    grant_role(user, Role.DEPARTMENT_EDITOR)
    return user


def run_demo(monkeypatch, tmp_path: Path, host: str = "127.0.0.1") -> str:
    """Run `citystat demo --no-serve` with the build itself stubbed out (its own tests cover it)."""
    monkeypatch.setattr(
        demo_command,
        "build_demo_city",
        lambda **kwargs: DemoBuild(data_dir=tmp_path, rows=1, seed=1, reused=True),
    )
    out = io.StringIO()
    call_command("demo", no_serve=True, host=host, stdout=out)
    return out.getvalue()


def printed_sign_ins(output: str) -> dict[str, tuple[str, str]]:
    found = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            found[match["role"]] = (match["user"], match["password"])
    return found


def test_the_demo_prints_a_working_sign_in_for_each_role(demo_staff, monkeypatch, tmp_path):
    printed = printed_sign_ins(run_demo(monkeypatch, tmp_path))
    assert set(printed) >= {"Performance office", "Department editor", "Viewer"}
    expected_roles = {
        "Performance office": Role.PERFORMANCE_STAFF,
        "Department editor": Role.DEPARTMENT_EDITOR,
        "Viewer": Role.INTERNAL_VIEWER,
    }
    for role, (username, password) in printed.items():
        if role not in expected_roles:
            continue
        response = Client().post("/staff/login/", {"username": username, "password": password})
        assert (role, response.status_code, response["Location"]) == (role, 302, "/staff/")
        assert roles_of(User.objects.get(username=username)) == [expected_roles[role]]
    assert printed["Department editor"][0] == "demo-water"


def test_each_run_changes_the_password_so_an_old_one_stops_working(
    demo_staff, monkeypatch, tmp_path
):
    first = printed_sign_ins(run_demo(monkeypatch, tmp_path))["Viewer"]
    second = printed_sign_ins(run_demo(monkeypatch, tmp_path))["Viewer"]
    assert first[1] != second[1]
    client = Client()
    assert (
        client.post("/staff/login/", {"username": first[0], "password": first[1]}).status_code
        == 400
    )
    assert (
        client.post("/staff/login/", {"username": second[0], "password": second[1]}).status_code
        == 302
    )


def test_on_loopback_the_administrator_signs_in_with_the_printed_secret(
    demo_staff, monkeypatch, tmp_path
):
    output = run_demo(monkeypatch, tmp_path, host="127.0.0.1")
    username, password = printed_sign_ins(output)["Administrator"]
    secret = re.search(r"code generator secret: ([A-Z2-7]+)", output)[1]  # type: ignore[index]
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    assert device.key == sign_in.base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    client = Client()
    response = client.post("/staff/login/", {"username": username, "password": password})
    assert response["Location"].startswith("/staff/two-factor/")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/staff/two-factor/", {"token": code})
    assert (response.status_code, response["Location"]) == (302, "/staff/")


def test_off_loopback_no_secret_is_printed_and_an_earlier_administrator_is_switched_off(
    demo_staff, monkeypatch, tmp_path
):
    run_demo(monkeypatch, tmp_path, host="127.0.0.1")
    output = run_demo(monkeypatch, tmp_path, host="0.0.0.0")
    assert "Administrator" not in printed_sign_ins(output)
    assert "secret" not in output
    assert not User.objects.get(username="demo-admin").is_active


@pytest.mark.parametrize(
    ("host", "demo", "allowed"),
    [
        ("127.0.0.1", True, True),
        ("localhost", True, True),
        ("::1", True, True),
        ("127.0.0.1", False, False),
        ("0.0.0.0", True, False),
        ("10.0.0.5", True, False),
        ("stat.example.gov", True, False),
        ("", True, False),
    ],
)
def test_two_factor_is_pre_enrolled_only_in_the_demo_on_loopback(host, demo, allowed):
    assert may_pre_enrol(host, is_demo_city=demo) is allowed
    assert is_loopback(host) is (host in {"127.0.0.1", "localhost", "::1"})


def test_another_city_gets_no_demo_accounts(demo_staff):
    with pytest.raises(DemoSignInRefused):
        prepare_demo_sign_ins("127.0.0.1", is_demo_city=False)
    assert not User.objects.filter(username__in=["demo-performance", "demo-admin"]).exists()
    assert not User.objects.get(username="demo-water").has_usable_password()
