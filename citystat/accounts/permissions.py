"""The role table: who may do what in citystat, declared once.

Each role is a Django Group named by its slug. `citystat roles sync` (and every
`citystat migrate`) gives the group exactly the model permissions its patterns match.
Patterns are `app_label.codename` with `*` wildcards, so a model an app adds later is
covered by the next sync without editing this file.

`scoped` permissions hold only for objects of the person's departments
(`StaffProfile.departments`); `citystat.accounts.backends.DepartmentScopeBackend`
enforces that when a view asks `user.has_perm(perm, obj)`. docs/security.md explains how
other apps use this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from django.db import models

# The apps whose permissions roles hand out. Django's own auth/admin models are left to
# administrators (superusers or the administrator role).
CITYSTAT_APPS = ("city", "catalog", "plan", "meetings", "engagement", "surveys", "accounts")

# Staff URLs (the permission-matrix test walks them all): every route whose path starts
# with STAFF_PATH_PREFIX, and every route whose name starts with STAFF_NAME_PREFIX.
STAFF_PATH_PREFIX = "staff/"
STAFF_NAME_PREFIX = "staff-"

# The permission a page needs when any staff member may open it (the workspace home).
ANY_STAFF = "accounts.any_staff"
# A staff route open to everyone: sign-in, password reset, accepting an invitation.
PUBLIC = "accounts.public"


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    PERFORMANCE_STAFF = "performance-staff", "Performance staff"
    DEPARTMENT_EDITOR = "department-editor", "Department editor"
    MODERATOR = "moderator", "Moderator"
    DATA_STEWARD = "data-steward", "Data steward"
    INTERNAL_VIEWER = "internal-viewer", "Internal viewer"


@dataclass(frozen=True)
class RoleSpec:
    description: str
    grants: tuple[str, ...]
    scoped: tuple[str, ...] = field(default=())
    requires_two_factor: bool = False

    def grants_unscoped(self, permission: str) -> bool:
        return matches(permission, self.grants)

    def grants_scoped(self, permission: str) -> bool:
        return matches(permission, self.scoped)


VIEW_EVERYTHING = tuple(f"{app}.view_*" for app in CITYSTAT_APPS if app != "accounts")

ROLES: dict[str, RoleSpec] = {
    Role.ADMINISTRATOR: RoleSpec(
        "Everything, including people, roles, the audit log and the Django admin.",
        grants=(*(f"{app}.*" for app in CITYSTAT_APPS), "auth.*", "otp_totp.*"),
        requires_two_factor=True,
    ),
    Role.PERFORMANCE_STAFF: RoleSpec(
        "The performance office: the plan, measures, targets, meetings, follow-ups, "
        "questions; reads datasets.",
        grants=(
            *VIEW_EVERYTHING,
            "plan.*",
            "meetings.*",
            "engagement.*",
            "surveys.*",
            # The publisher permission: deciding what residents see of a dataset.
            "catalog.make_public_dataset",
            "accounts.add_invitation",
            "accounts.view_invitation",
            "accounts.view_staffprofile",
        ),
    ),
    Role.DEPARTMENT_EDITOR: RoleSpec(
        "Department staff: narratives, strategies and manual values of their departments' "
        "measures, and the follow-ups assigned to those departments.",
        grants=VIEW_EVERYTHING,
        scoped=(
            "plan.add_narrative",
            "plan.change_narrative",
            # A goal's narrative: only for a goal wholly theirs (plan/apps.py).
            "plan.add_goalnarrative",
            "plan.change_goalnarrative",
            "plan.add_strategy",
            "plan.change_strategy",
            "plan.add_*value",
            "plan.change_*value",
            "plan.change_measure",
            # A goal is a department's when all its measures are (plan/apps.py).
            "plan.change_goal",
            "meetings.change_followup",
        ),
    ),
    Role.MODERATOR: RoleSpec(
        "Resident questions and public updates.",
        grants=(*VIEW_EVERYTHING, "engagement.*"),
    ),
    Role.DATA_STEWARD: RoleSpec(
        "Datasets, their schemas and loads; making them public is the performance office's.",
        # Not "catalog.*": that would include catalog.make_public_dataset (issue #16).
        grants=(*VIEW_EVERYTHING, "catalog.add_*", "catalog.change_*", "catalog.delete_*"),
    ),
    Role.INTERNAL_VIEWER: RoleSpec(
        "Sees internal measures and datasets; changes nothing.",
        grants=VIEW_EVERYTHING,
    ),
}

# Staff routes whose views other apps protect with Django's own decorators
# (`permission_required`) rather than `staff_required`: {route name: permission}.
# The permission-matrix test reads this for any staff route its view does not declare.
STAFF_ROUTE_PERMISSIONS: dict[str, str] = {
    # citystat/catalog/views/staff.py
    "staff-datasets": "catalog.view_dataset",
    "staff-dataset": "catalog.view_dataset",
    "staff-dataset-new": "catalog.add_dataset",
    "staff-dataset-edit": "catalog.change_dataset",
    "staff-dataset-upload": "catalog.change_dataset",
    "staff-dataset-load-now": "catalog.change_dataset",
    "staff-dataset-rollback": "catalog.change_dataset",
    "staff-dataset-publicity": "catalog.make_public_dataset",
}

# How to find the department of objects that have no `department` of their own:
# {model class: function(obj) -> Department id or None}. Apps add to it with
# `register_department_lookup`.
DEPARTMENT_LOOKUPS: dict[type, Callable[[Any], int | None]] = {}
# Parents followed, in order, when an object has no `department` (Target.measure,
# DatasetVersion.dataset, a Narrative's measure, …).
PARENT_ATTRIBUTES = ("measure", "dataset")


def matches(permission: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(permission, pattern) for pattern in patterns)


def register_department_lookup(model: type, lookup: Callable[[Any], int | None]) -> None:
    """Tell the department scope how to find the department of `model`'s objects."""
    DEPARTMENT_LOOKUPS[model] = lookup


def department_for(obj: Any, depth: int = 0) -> int | None:
    """Return the id of the department `obj` belongs to, or None when it has none."""
    if obj is None or depth > 3:
        return None
    for model, lookup in DEPARTMENT_LOOKUPS.items():
        if isinstance(obj, model):
            return lookup(obj)
    if type(obj).__name__ == "Department" and hasattr(obj, "code"):
        return obj.pk
    if hasattr(obj, "department_id"):
        return obj.department_id
    department = getattr(obj, "department", None)
    if department is not None:
        return getattr(department, "pk", None)
    for attribute in PARENT_ATTRIBUTES:
        parent = getattr(obj, attribute, None)
        if parent is not None:
            return department_for(parent, depth + 1)
    return None


def role_permissions(role: str, available: list[str]) -> list[str]:
    """Return the permissions of `available` that `role`'s group should hold."""
    spec = ROLES[role]
    patterns = spec.grants + spec.scoped
    return sorted(permission for permission in available if matches(permission, patterns))


def expected_access(roles: list[str], permission: str, *, in_scope: bool = True) -> bool:
    """Return whether a person holding `roles` may use a page needing `permission`."""
    if permission == PUBLIC:
        return True
    if not roles:
        return False
    if permission == ANY_STAFF:
        return True
    for role in roles:
        spec = ROLES[role]
        if spec.grants_unscoped(permission) or (in_scope and spec.grants_scoped(permission)):
            return True
    return False
