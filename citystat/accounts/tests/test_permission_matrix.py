"""The permission matrix (#10): every staff URL and every API write endpoint, walked as
each role and as an anonymous visitor, against ONE declared table of who may use it.

The table says who may, independently of what each view declares, so a view that asks
for the wrong permission fails here. A staff route or API write endpoint that is not in
the table fails `test_every_staff_route_has_a_row` / `test_every_api_write_has_a_row`:
add its row below (docs/security.md lists the roles).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from citystat.accounts.models import ApiToken
from citystat.accounts.permissions import PUBLIC, ROLES, expected_access
from citystat.accounts.roles import is_staff_member
from citystat.accounts.testing import signed_in
from citystat.accounts.tests.test_permissions import (
    declared_permission,
    post_only,
    refused,
    reverse_or_none,
    sample_objects,  # noqa: F401 (a fixture)
    sent_to_sign_in,
    staff_routes,
)
from citystat.accounts.tokens import issue_token
from citystat.city.models import CityProfile

# The cast (conftest.py): one person per role, carol with none.
ADMINISTRATOR, OFFICE, EDITOR, MODERATOR, STEWARD, VIEWER = (
    "dana",
    "alice",
    "bob",
    "mona",
    "sam",
    "vera",
)
EVERYONE = "everyone"  # anonymous visitors too: sign-in, password reset, invitations
STAFF = frozenset({ADMINISTRATOR, OFFICE, EDITOR, MODERATOR, STEWARD, VIEWER})
PLAN_WRITERS = frozenset({ADMINISTRATOR, OFFICE})
# Department-scoped rights: bob only for Water Services, whose objects the walk uses.
DEPARTMENT_WRITERS = frozenset({ADMINISTRATOR, OFFICE, EDITOR})
ENGAGEMENT_WRITERS = frozenset({ADMINISTRATOR, OFFICE, MODERATOR})
DATA_WRITERS = frozenset({ADMINISTRATOR, STEWARD})
# Widening what residents see of a dataset is the performance office's, not a steward's.
PUBLISHERS = frozenset({ADMINISTRATOR, OFFICE})

STAFF_URLS: dict[str, frozenset[str] | str] = {
    # accounts
    "staff-home": STAFF,
    "staff-login": EVERYONE,
    "staff-logout": EVERYONE,
    "staff-two-factor": EVERYONE,
    "staff-two-factor-enrol": EVERYONE,
    "staff-password-reset": EVERYONE,
    "staff-password-reset-sent": EVERYONE,
    "staff-password-reset-confirm": EVERYONE,
    "staff-password-reset-done": EVERYONE,
    "staff-invitation-accept": EVERYONE,
    "staff-invitations": PLAN_WRITERS,
    "staff-api-tokens": STAFF,
    "staff-api-token-revoke": STAFF,  # and then only the owner's or, for administrators, any
    "staff-audit": frozenset({ADMINISTRATOR}),
    "staff-audit-export": frozenset({ADMINISTRATOR}),
    # catalog
    "staff-datasets": STAFF,
    "staff-dataset": STAFF,
    "staff-dataset-new": DATA_WRITERS,
    "staff-dataset-edit": DATA_WRITERS,
    "staff-dataset-upload": DATA_WRITERS,
    "staff-dataset-load-now": DATA_WRITERS,
    "staff-dataset-rollback": DATA_WRITERS,
    "staff-dataset-publicity": PUBLISHERS,
    # surveys
    "staff-survey": STAFF,
    # plan
    "staff-measures": STAFF,
    "staff-measure": STAFF,
    "staff-measure-values": DEPARTMENT_WRITERS,
    "staff-measure-narrative": DEPARTMENT_WRITERS,
    "staff-measure-target": PLAN_WRITERS,
    # Approving narratives and the reporting page are the performance office's (#19).
    "staff-narrative-review": PLAN_WRITERS,
    "staff-reporting": PLAN_WRITERS,
    "staff-plan": STAFF,
    # reports: every staff member may make council exports (docs/exports.md).
    "staff-reports": STAFF,
    "staff-report-download": STAFF,
    "staff-plan-area-new": PLAN_WRITERS,
    "staff-plan-area": PLAN_WRITERS,
    "staff-plan-goal-new": PLAN_WRITERS,
    "staff-plan-goal": DEPARTMENT_WRITERS,
    "staff-plan-objective-new": PLAN_WRITERS,
    "staff-plan-objective": PLAN_WRITERS,
    "staff-plan-strategy-new": DEPARTMENT_WRITERS,
    "staff-plan-strategy": DEPARTMENT_WRITERS,
    "staff-plan-measure-new": PLAN_WRITERS,
    "staff-plan-measure": DEPARTMENT_WRITERS,
    "staff-plan-builder": DEPARTMENT_WRITERS,
    # Goal narratives: written by a goal's own department, approved by the office.
    "staff-plan-goal-narratives": DEPARTMENT_WRITERS,
    "staff-plan-goal-narrative-review": PLAN_WRITERS,
    # Bulk work: within the person's departments (plan/bulk.py checks each measure).
    "staff-measures-bulk": DEPARTMENT_WRITERS,
    "staff-measures-values-upload": DEPARTMENT_WRITERS,
    **{
        f"staff-plan-{kind}-move": PLAN_WRITERS for kind in ("area", "goal", "objective", "measure")
    },
    "staff-plan-strategy-move": DEPARTMENT_WRITERS,
    **{
        f"staff-plan-{kind}-retire": PLAN_WRITERS
        for kind in ("area", "goal", "objective", "strategy", "measure")
    },
    # meetings
    "staff-meetings": STAFF,
    "staff-meeting": STAFF,
    "staff-meeting-screen": STAFF,
    "staff-meeting-new": PLAN_WRITERS,
    "staff-meeting-cancel": PLAN_WRITERS,
    "staff-meeting-held": PLAN_WRITERS,
    "staff-meeting-agenda": PLAN_WRITERS,
    "staff-agenda-item-add": PLAN_WRITERS,
    "staff-agenda-item": PLAN_WRITERS,
    "staff-attendee-add": PLAN_WRITERS,
    "staff-attendee-remove": PLAN_WRITERS,
    "staff-meeting-advance": PLAN_WRITERS,
    "staff-follow-up-capture": PLAN_WRITERS,
    "staff-series-generate": PLAN_WRITERS,
    "staff-series-new": PLAN_WRITERS,
    "staff-series": STAFF,
    "staff-follow-ups": STAFF,
    "staff-follow-up": STAFF,
    "staff-follow-up-status": DEPARTMENT_WRITERS,
    "staff-follow-up-comment": DEPARTMENT_WRITERS,
    # engagement
    "staff-questions": STAFF,
    "staff-question": ENGAGEMENT_WRITERS,
    "staff-question-live": ENGAGEMENT_WRITERS,
    "staff-meeting-questions": ENGAGEMENT_WRITERS,
    "staff-updates": STAFF,
    "staff-update-new": ENGAGEMENT_WRITERS,
    "staff-update-edit": ENGAGEMENT_WRITERS,
    "staff-priorities": ENGAGEMENT_WRITERS,
    "staff-watches": STAFF,
    "staff-watch-new": ENGAGEMENT_WRITERS,
    "staff-watch-edit": ENGAGEMENT_WRITERS,
    "staff-mailboxes": ENGAGEMENT_WRITERS,
}

# API writes: (route name, method) → who may, with a token of the write scope. The walk
# writes to Water Services' measure, so bob's department scope lets him.
API_WRITES: dict[tuple[str, str], frozenset[str]] = {
    ("api-measure-values", "POST"): DEPARTMENT_WRITERS,
    ("api-measure-narrative", "PUT"): DEPARTMENT_WRITERS,
    ("api-measure-target", "PUT"): PLAN_WRITERS,
}
API_SAMPLES = {
    "api-measure-values": (
        "/api/v1/measures/{slug}/values/",
        {"values": [{"period": "2025-03", "value": 1.5, "source_note": "matrix"}]},
    ),
    "api-measure-narrative": ("/api/v1/measures/{slug}/narratives/2025-03/", {"context": "x"}),
    "api-measure-target": ("/api/v1/measures/{slug}/targets/2026/", {"value": 90}),
}
WHO = ["anonymous", "dana", "alice", "bob", "mona", "sam", "vera", "carol"]


def may(row: frozenset[str] | str, who: str) -> bool:
    return row == EVERYONE or who in row


def test_every_staff_route_has_a_row():
    missing = sorted(
        name for name, _ in staff_routes(get_resolver().url_patterns) if name not in STAFF_URLS
    )
    assert not missing, (
        f"staff routes without a row in the permission matrix: {missing}. Add each to "
        "STAFF_URLS in citystat/accounts/tests/test_permission_matrix.py with the roles "
        "that may use it."
    )


def test_every_row_is_still_a_route():
    names = {name for name, _ in staff_routes(get_resolver().url_patterns)}
    assert not set(STAFF_URLS) - names


def test_each_views_declared_permission_agrees_with_the_table():
    """What staff_required (or STAFF_ROUTE_PERMISSIONS) asks for gives exactly the row."""
    people = {ADMINISTRATOR: "administrator", OFFICE: "performance-staff"}
    people |= {EDITOR: "department-editor", MODERATOR: "moderator"}
    people |= {STEWARD: "data-steward", VIEWER: "internal-viewer"}
    assert set(people.values()) == set(ROLES)
    disagreements = []
    for name, path in staff_routes(get_resolver().url_patterns):
        permission = declared_permission(path, name)
        row = STAFF_URLS.get(name)
        if row is None:
            continue
        if permission == PUBLIC:
            derived: frozenset[str] | str = EVERYONE
        else:
            derived = frozenset(
                p for p, role in people.items() if expected_access([role], permission)
            )
        if derived != row:
            disagreements.append((name, permission))
    assert not disagreements, f"views ask for other permissions than the table: {disagreements}"


@pytest.mark.parametrize("who", WHO)
def test_every_staff_url_answers_as_the_table_says(cast, sample_objects, who):  # noqa: F811
    """Allowed: past the gate (200; 404 where the sample object does not exist; 405 to a
    GET of a POST-only action). Denied: 403 (GET and POST). Anonymous: sent to sign in."""
    user = cast.get(who)
    client = signed_in(user) if user else Client()
    routes = staff_routes(get_resolver().url_patterns)
    with_arguments = {path for name, path in routes if path != reverse_or_none(name)}
    wrong = []
    for name, path in routes:
        row = STAFF_URLS[name]
        response = client.get(path)
        if response.status_code >= 500:
            wrong.append((path, "GET", response.status_code))
        elif row == EVERYONE:
            if refused(response):
                wrong.append((path, "GET", 403))
        elif user is None:
            if not (sent_to_sign_in(response) or post_only(response)):
                wrong.append((path, "GET", response.status_code))
            if not sent_to_sign_in(posted := client.post(path)):
                wrong.append((path, "POST", posted.status_code))
        elif may(row, who):
            answers = (200, 405, 404) if path in with_arguments else (200, 405)
            if response.status_code not in answers:
                wrong.append((path, "GET", response.status_code))
        else:
            if not (refused(response) or post_only(response)):
                wrong.append((path, "GET", response.status_code))
            if not refused(posted := client.post(path, {"email": "x@example.gov"})):
                wrong.append((path, "POST", posted.status_code))
    assert not wrong, f"{who}: {wrong}"


def api_write_routes() -> list[tuple[str, str]]:
    """Return (route name, method) for every REST route that takes a write method."""
    found = []

    def walk(patterns: list[Any]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                actions = getattr(entry.callback, "actions", None) or {}
                for method in actions:
                    if method.upper() not in ("GET", "HEAD", "OPTIONS"):
                        found.append((entry.name or str(entry.pattern), method.upper()))

    walk(get_resolver().url_patterns)
    return found


def test_every_api_write_has_a_row():
    missing = sorted(set(api_write_routes()) - set(API_WRITES))
    assert not missing, (
        f"API write endpoints without a row in the permission matrix: {missing}. Add each "
        "to API_WRITES (and a sample request to API_SAMPLES) in "
        "citystat/accounts/tests/test_permission_matrix.py."
    )
    assert set(API_WRITES) <= set(api_write_routes())


def written() -> tuple[int, ...]:
    """Count the rows the API writes (plan models read by name: accounts sits below plan)."""
    return tuple(
        apps.get_model("plan", name).objects.count()
        for name in ("MeasureValue", "Narrative", "Target")
    )


@pytest.mark.parametrize("who", WHO)
def test_every_api_write_answers_as_the_table_says(cast, sample_objects, who, settings):  # noqa: F811
    CityProfile.objects.get_or_create(name="Kansas City", defaults={"population": 10_000})
    user = cast.get(who)
    headers = {}
    if user is not None:
        _, key = issue_token(user, "matrix", ApiToken.Scope.WRITE)
        headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    client = Client(**headers)
    wrong = []
    for (name, method), row in API_WRITES.items():
        path, body = API_SAMPLES[name]
        path = path.format(slug="main-breaks-fixed")
        assert resolve(path).url_name == name
        before = written()
        response = client.generic(method, path, json.dumps(body), "application/json")
        allowed = user is not None and who in row
        if allowed and response.status_code not in (200, 201):
            wrong.append((method, path, response.status_code, response.content[:200]))
        if not allowed:
            # No token, or one whose owner holds no staff role (carol's stops working): 401.
            expected = 403 if user is not None and is_staff_member(user) else 401
            if response.status_code != expected or written() != before:
                wrong.append((method, path, response.status_code))
    assert not wrong, f"{who}: {wrong}"


# A department editor changing another department's narrative, three ways (#10).
OTHER_DEPARTMENTS_NARRATIVE = {"period": "2025-03", "context": "Not my department's story"}


def test_an_editor_is_refused_another_departments_narrative_by_form(bob, sample_objects):  # noqa: F811
    client = signed_in(bob)
    page = client.get("/staff/measures/potholes-closed/")
    posted = client.post("/staff/measures/potholes-closed/narrative/", OTHER_DEPARTMENTS_NARRATIVE)
    # He may read the measure's staff page, but its narrative form refuses him.
    assert (page.status_code, posted.status_code) == (200, 403)
    assert not apps.get_model("plan", "Narrative").objects.exists()


def test_an_editor_is_refused_another_departments_narrative_by_crafted_post(bob, sample_objects):  # noqa: F811
    """A POST built by hand (no form page first), with a valid CSRF token of bob's own."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/staff/measures/main-breaks-fixed/")
    token = client.cookies["csrftoken"].value
    posted = client.post(
        "/staff/measures/potholes-closed/narrative/",
        {**OTHER_DEPARTMENTS_NARRATIVE, "csrfmiddlewaretoken": token},
    )
    assert posted.status_code == 403
    assert not apps.get_model("plan", "Narrative").objects.exists()


def test_an_editor_is_refused_another_departments_narrative_by_api(bob, sample_objects):  # noqa: F811
    _, key = issue_token(bob, "bob's script", ApiToken.Scope.WRITE)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").put(
        "/api/v1/measures/potholes-closed/narratives/2025-03/",
        json.dumps({"context": "Not my department's story"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not apps.get_model("plan", "Narrative").objects.exists()
