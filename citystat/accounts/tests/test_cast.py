"""The root conftest's cast is made through the real roles (citystat/accounts/testing.py)."""

from __future__ import annotations

from citystat.accounts.permissions import Role


def test_each_person_of_the_cast_holds_the_role_named_for_them(cast):
    held = {name: set(user.groups.values_list("name", flat=True)) for name, user in cast.items()}
    assert held == {
        "dana": {Role.ADMINISTRATOR},
        "alice": {Role.PERFORMANCE_STAFF},
        "bob": {Role.DEPARTMENT_EDITOR},
        "mona": {Role.MODERATOR},
        "sam": {Role.DATA_STEWARD},
        "vera": {Role.INTERNAL_VIEWER},
        "carol": set(),
    }


def test_each_department_editor_changes_only_their_own_departments_measure(
    bob, pat, scoped_measures
):
    water, works = scoped_measures["water"], scoped_measures["public-works"]
    assert (
        bob.has_perm("plan.change_measure", water),
        bob.has_perm("plan.change_measure", works),
    ) == (True, False)
    assert (
        pat.has_perm("plan.change_measure", water),
        pat.has_perm("plan.change_measure", works),
    ) == (False, True)


def test_a_resident_is_sent_to_sign_in_from_the_staff_pages(resident, cast):
    response = resident.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
