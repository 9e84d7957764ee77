"""The workspace sections that can exist today, over catalog and plan, read-only.

accounts sits below catalog and plan (citystat/ops/tests/test_import_direction.py), so
these read their models by name through the app registry instead of importing them.
Each section belongs with its app; its owner can move it into that app's ready() with
`register_section` and delete it here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citystat.accounts.backends import department_ids_of
from citystat.accounts.permissions import ANY_STAFF
from citystat.accounts.roles import is_administrator
from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.city.models import CityProfile

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


def failed_loads(user: Any) -> list[WorkspaceItem]:
    """Return datasets whose newest load failed in the last 30 days."""
    Dataset = apps.get_model("catalog", "Dataset")
    DatasetVersion = apps.get_model("catalog", "DatasetVersion")
    newest = Dataset.objects.annotate(newest=Max("versions__number"))
    failed = DatasetVersion.objects.filter(
        status=DatasetVersion.Status.FAILED, finished_at__gte=timezone.now() - RECENT
    ).select_related("dataset")
    newest_numbers = {row.pk: row.newest for row in newest}
    items = []
    for version in failed.order_by("-finished_at"):
        if newest_numbers.get(version.dataset_id) != version.number:
            continue
        detail = f"Load {version.number} failed {version.finished_at:%Y-%m-%d %H:%M}"
        message = str(version.report.get("message", "")) if isinstance(version.report, dict) else ""
        if message:
            detail += f": {message[:160]}"
        items.append(WorkspaceItem(version.dataset.title, admin_link(user, version), detail))
    return items[:SHOWN]


def datasets_without_data(user: Any) -> list[WorkspaceItem]:
    """Return datasets that have never been published."""
    Dataset = apps.get_model("catalog", "Dataset")
    empty = Dataset.objects.exclude(versions__status="published").order_by("title")
    return [
        WorkspaceItem(dataset.title, admin_link(user, dataset), "No published version yet")
        for dataset in empty[:SHOWN]
    ]


def stale_datasets(user: Any) -> list[WorkspaceItem]:
    """Return published datasets older than their update frequency promises."""
    Dataset = apps.get_model("catalog", "Dataset")
    stale = [
        dataset
        for dataset in Dataset.objects.filter(versions__status="published").distinct()
        if getattr(dataset, "is_stale", lambda: False)()
    ]
    return [
        WorkspaceItem(
            dataset.title,
            admin_link(user, dataset),
            f"Promised {dataset.get_update_frequency_display().lower()}",
        )
        for dataset in stale[:SHOWN]
    ]


def measures_without_targets(user: Any) -> list[WorkspaceItem]:
    """Return this fiscal year's measures lacking a target: all, or the person's departments."""
    Measure = apps.get_model("plan", "Measure")
    year = CityProfile.current().fiscal_year_of(timezone.localdate())
    measures = Measure.objects.filter(objective__goal__priority_area__plan__is_current=True)
    measures = measures.exclude(targets__fiscal_year=year)
    if not user.has_perm("plan.change_target"):
        measures = measures.filter(department__in=department_ids_of(user))
    return [
        WorkspaceItem(measure.title, admin_link(user, measure), f"No FY{year} target")
        for measure in measures.order_by("title")[:SHOWN]
    ]


def two_factor_off(user: Any) -> list[WorkspaceItem]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

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
    from citystat.accounts.tokens import tokens_needing_attention

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
    if apps.is_installed("citystat.catalog"):
        register_section(
            "failed-loads",
            "Failed data loads",
            items=failed_loads,
            permission="catalog.view_datasetversion",
            order=20,
            empty="No failed loads in the last 30 days.",
        )
        register_section(
            "stale-datasets",
            "Stale datasets",
            items=stale_datasets,
            permission="catalog.change_dataset",
            order=25,
            empty="Every dataset is as fresh as promised.",
        )
        register_section(
            "datasets-without-data",
            "Datasets with no data",
            items=datasets_without_data,
            permission="catalog.change_dataset",
            order=30,
            empty="Every dataset has published data.",
        )
    # The reporting cycle's sections (narratives due, to review) are the plan's own:
    # citystat/plan/sections.py, registered in its ready().
    if apps.is_installed("citystat.plan"):
        register_section(
            "measures-without-targets",
            "Measures without a target this year",
            items=measures_without_targets,
            permission="plan.view_measure",
            order=40,
            empty="Every measure has this year's target.",
        )
