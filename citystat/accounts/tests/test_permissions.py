"""The role table, the department scope and the permission matrix over every staff URL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from citystat.accounts.decorators import staff_required
from citystat.accounts.permissions import (
    ROLES,
    STAFF_NAME_PREFIX,
    STAFF_PATH_PREFIX,
    STAFF_ROUTE_PERMISSIONS,
    Role,
    expected_access,
)
from citystat.accounts.testing import signed_in

# URL arguments name the sample objects `sample_objects` creates (Water Services' own).
SAMPLE_ARGUMENTS = {"token": "not-a-token", "uidb64": "MQ", "slug": "main-breaks-fixed"}


def staff_routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """Return (name, path) for every staff route: under /staff/ or named staff-…, with
    its arguments filled in from SAMPLE_ARGUMENTS."""
    found = []
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                found += staff_routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            full = prefix + route
            if full.startswith(STAFF_PATH_PREFIX) or (entry.name or "").startswith(
                STAFF_NAME_PREFIX
            ):
                path = re.sub(
                    r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGUMENTS.get(str(m[1]), "1"), full
                )
                found.append((entry.name or full, "/" + path))
    return found


def reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def declared_permission(path: str, name: str) -> str:
    view = resolve(path).func
    permission = getattr(view, "staff_permission", None) or STAFF_ROUTE_PERMISSIONS.get(name)
    assert permission, f"{path} ({name}) declares no permission: use staff_required or staff_public"
    return permission


def test_the_walk_finds_the_staff_routes():
    names = {name for name, _ in staff_routes(get_resolver().url_patterns)}
    assert {"staff-home", "staff-login", "staff-audit", "staff-audit-export"} <= names


def test_every_staff_route_declares_a_permission():
    for name, path in staff_routes(get_resolver().url_patterns):
        declared_permission(path, name)


@pytest.fixture
def sample_objects(departments, scoped_measures):
    """Create the objects SAMPLE_ARGUMENTS name, in Water Services (bob's department)."""
    dataset = apps.get_model("catalog", "Dataset").objects.create(
        slug="main-breaks-fixed", title="Main breaks", department=departments["water"]
    )
    now = timezone.now()
    dataset.versions.create(
        number=1, status="published", source="a.csv", started_at=now, finished_at=now
    )


def refused(response) -> bool:
    return response.status_code == 403


def post_only(response) -> bool:
    return response.status_code == 405


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/staff/login/?next=")


@pytest.mark.parametrize(
    ("who", "status"),
    [("dana", 200), ("alice", 403), ("bob", 403), ("sam", 403), ("carol", 403)],
)
def test_the_django_admin_is_for_administrators_only(cast, who, status):
    assert signed_in(cast[who]).get("/admin/", follow=True).status_code == status


def test_the_admin_sends_visitors_to_the_staff_sign_in(db):
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Client().get(response["Location"])["Location"].startswith("/staff/login/?next=")


def test_an_administrator_without_two_factor_cannot_enter_the_admin(dana):
    response = signed_in(dana, verified=False).get("/admin/")
    assert response["Location"] == "/staff/two-factor/?next=%2Fadmin%2F"


def test_two_factor_guards_staff_views_that_use_djangos_own_decorators(dana, departments):
    response = signed_in(dana, verified=False).get("/staff/datasets/")
    assert response["Location"] == "/staff/two-factor/?next=%2Fstaff%2Fdatasets%2F"


def test_each_role_group_holds_exactly_the_table_permissions(cast):
    water_editor = Group.objects.get(name=Role.DEPARTMENT_EDITOR)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in water_editor.permissions.all()}
    assert "plan.change_measure" in codes
    assert "plan.delete_measure" not in codes
    assert "catalog.change_dataset" not in codes
    assert Group.objects.filter(name__in=list(ROLES)).count() == len(ROLES)


def test_the_internal_viewer_changes_nothing(cast):
    vera = cast["vera"]
    assert vera.has_perm("plan.view_measure")
    assert not any(
        p.split(".")[1].startswith(("add_", "change_", "delete_"))
        for p in vera.get_all_permissions()
    )


def test_bob_may_change_his_departments_measure(bob, departments, scoped_measures):
    measures = scoped_measures
    assert bob.has_perm("plan.change_measure", measures["water"])


def test_bob_may_not_change_another_departments_measure(bob, departments, scoped_measures):
    measures = scoped_measures
    assert not bob.has_perm("plan.change_measure", measures["public-works"])


def test_alice_may_change_every_departments_measure(alice, departments, scoped_measures):
    measures = scoped_measures
    assert alice.has_perm("plan.change_measure", measures["public-works"])


def test_the_scope_follows_a_target_to_its_measure(bob, departments, scoped_measures):
    measures = scoped_measures
    target = measures["public-works"].targets.create(fiscal_year=2026, value=90)
    assert not bob.has_perm("plan.change_target", target)
    assert not bob.has_perm("plan.change_measure", target)


def test_carol_may_not_change_any_measure(carol, departments, scoped_measures):
    measures = scoped_measures
    assert not carol.has_perm("plan.change_measure", measures["water"])


def scoped_view():
    def measure_of(request, slug):
        return get_object_or_404(apps.get_model("plan", "Measure"), slug=slug)

    @staff_required("plan.change_measure", scoped=measure_of)
    def edit(request, slug):
        return HttpResponse("changed")

    return edit


def test_a_crafted_post_for_another_department_is_refused(bob, departments, scoped_measures):
    request = RequestFactory().post("/staff/measures/potholes-closed/", {"title": "Hacked"})
    request.user = bob
    response = scoped_view()(request, slug="potholes-closed")
    assert response.status_code == 403
    assert b"department you do not work for" in response.content


def test_a_post_for_his_own_department_goes_through(bob, departments, scoped_measures):
    request = RequestFactory().post("/staff/measures/main-breaks-fixed/", {"title": "Better"})
    request.user = bob
    assert scoped_view()(request, slug="main-breaks-fixed").content == b"changed"


def test_an_anonymous_crafted_post_goes_to_sign_in(departments, scoped_measures):
    request = RequestFactory().post("/staff/measures/main-breaks-fixed/")
    request.user = AnonymousUser()
    response = scoped_view()(request, slug="main-breaks-fixed")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_the_table_answers_for_scoped_permissions_out_of_scope():
    assert expected_access([Role.DEPARTMENT_EDITOR], "plan.change_narrative")
    assert not expected_access([Role.DEPARTMENT_EDITOR], "plan.change_narrative", in_scope=False)
    assert expected_access([Role.PERFORMANCE_STAFF], "plan.change_narrative", in_scope=False)


def test_an_administrator_sets_departments_on_the_user_page(dana, bob):
    response = signed_in(dana).get(f"/admin/auth/user/{bob.pk}/change/")
    assert response.status_code == 200
    assert b"id_staff_profile-0-departments" in response.content
