"""The account's own workspace section, and the staff pages' navigation entries.

Every other section lives with the app whose data it shows and registers itself in that
app's ready() with `register_section` (catalog/sections.py, plan/sections.py, …):
accounts sits below them all (tests/test_import_direction.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts.permissions import ANY_STAFF
from citystat.accounts.roles import is_administrator
from citystat.accounts.workspace import WorkspaceItem, register_section

RECENT = dt.timedelta(days=30)
SHOWN = 20


def admin_link(user: Any, obj: Any) -> str:
    if not is_administrator(user):
        return ""
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def two_factor_off(user: Any) -> list[WorkspaceItem]:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return []
    return [
        WorkspaceItem(
            "Turn on two-factor sign-in",
            "/staff/two-factor/",
            "Protects your account if your password leaks",
        )
    ]


def your_account(user: Any) -> list[WorkspaceItem]:
    """Two-factor sign-in when it is off, and API tokens about to expire or forgotten."""
    # Imported here: start-up loads this module (AccountsConfig.ready); the tokens module
    # loads with the URLs.
    from citystat.accounts.tokens import tokens_needing_attention  # noqa: PLC0415

    tokens = [
        WorkspaceItem(f"API token “{token.name}”", "/staff/api-tokens/", why)
        for token, why in tokens_needing_attention(user)
    ]
    return two_factor_off(user) + tokens


# The staff pages every app has today, for the navigation: (key, label, URL name,
# permission, order). An app that moves its page into its own ready() deletes its row.
STAFF_PAGES: list[tuple[str, Any, str, str, int]] = [
    ("nav-measures", _("Measures"), "staff-measures", "plan.view_measure", 110),
    ("nav-datasets", _("Datasets"), "staff-datasets", "catalog.view_dataset", 120),
    ("nav-reports", _("Council exports"), "staff-reports", "plan.view_measure", 125),
    ("nav-meetings", _("Meetings"), "meetings:staff-meetings", "meetings.view_meeting", 130),
    (
        "nav-follow-ups",
        _("Follow-ups"),
        "meetings:staff-follow-ups",
        "meetings.view_followup",
        140,
    ),
    (
        "nav-questions",
        _("Questions"),
        "engagement:staff-questions",
        "engagement.view_question",
        150,
    ),
    ("nav-updates", _("Updates"), "engagement:staff-updates", "engagement.view_update", 160),
    ("nav-watches", _("Watches"), "engagement:staff-watches", "engagement.view_watch", 165),
    (
        "nav-priorities",
        _("Priorities"),
        "engagement:staff-priorities",
        "engagement.change_priorityround",
        170,
    ),
    ("nav-invitations", _("Invite staff"), "staff-invitations", "accounts.add_invitation", 180),
    ("nav-audit", _("Audit log"), "staff-audit", "accounts.view_auditentry", 190),
    ("nav-api-tokens", _("API tokens"), "staff-api-tokens", ANY_STAFF, 200),
    ("nav-two-factor", _("Two-factor sign-in"), "staff-two-factor", ANY_STAFF, 210),
    # Only administrators hold auth.*; the admin itself checks again.
    ("nav-admin", _("Django admin"), "admin:index", "auth.view_user", 220),
]


def register_staff_pages() -> None:
    register_section("nav-home", _("Workspace"), page="staff-home", order=0)
    for key, label, url_name, permission, order in STAFF_PAGES:
        register_section(key, label, page=url_name, permission=permission, order=order)


def register_builtin_sections() -> None:
    register_staff_pages()
    register_section(
        "two-factor",
        "Your account",
        items=your_account,
        order=5,
        empty="Two-factor sign-in is on.",
    )
