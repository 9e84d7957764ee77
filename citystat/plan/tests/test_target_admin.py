"""Moving a target in the admin asks for the reason and keeps it in the target's history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
from citystat.accounts.testing import signed_in
from citystat.plan.history import target_history
from citystat.plan.models import Target
from citystat.plan.tests.test_compute_values import make_measure

pytestmark = pytest.mark.usefixtures("requests")


@pytest.fixture
def admin_client():
    sync_roles()
    user = User.objects.create_user("ada", "ada@example.gov", "x" * 20, is_staff=True)
    grant_role(user, Role.ADMINISTRATOR)
    return signed_in(user)


def change(client, target: Target, **fields):
    data = {
        "measure": target.measure_id,
        "fiscal_year": target.fiscal_year,
        "value": target.value,
        "style": target.style,
        "tolerance": target.tolerance,
        "off_track_at": "",
        "note": target.note,
        **fields,
    }
    return client.post(f"/admin/plan/target/{target.pk}/change/", data)


def test_a_moved_target_without_a_reason_is_sent_back_with_the_field_named(admin_client):
    target = Target.objects.create(
        measure=make_measure({"aggregate": "count", "grain": "month"}), fiscal_year=2026, value=95
    )
    response = change(admin_client, target, value=90)
    assert response.status_code == 200
    assert "Say why the target moves" in response.content.decode()
    target.refresh_from_db()
    assert target.value == 95


def test_the_reason_given_in_the_admin_is_kept_in_the_history(admin_client):
    target = Target.objects.create(
        measure=make_measure({"aggregate": "count", "grain": "month"}), fiscal_year=2026, value=95
    )
    response = change(admin_client, target, value=90, reason="Crews were cut")
    assert response.status_code == 302, response.content.decode()[:2000]
    last = target_history(target.measure)[-1]
    assert (last.verb, last.after, last.reason) == ("lowered", 90, "Crews were cut")
