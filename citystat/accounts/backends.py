"""Department scope: the one object-level permission rule (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from citystat.accounts.permissions import ROLES, department_for
from citystat.accounts.roles import roles_of

DEPARTMENTS_CACHE = "_citystat_department_ids"


def department_ids_of(user: Any) -> set[int]:
    cached = getattr(user, DEPARTMENTS_CACHE, None)
    if cached is None:
        profile = getattr(user, "staff_profile", None) if user.pk else None
        cached = set(profile.departments.values_list("pk", flat=True)) if profile else set()
        setattr(user, DEPARTMENTS_CACHE, cached)
    return set(cached)


class DepartmentScopeBackend(ModelBackend):
    """Answer `user.has_perm(perm, obj)`: model permission, narrowed by department scope.

    Django's ModelBackend says no to every object question, so without this backend an
    object check always fails. A permission a role grants unscoped holds for every
    object; one a role grants only `scoped` holds when `department_for(obj)` is one of
    the person's departments. Permissions given outside the role table are unscoped.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:  # type: ignore[override]
        # Sign-in is ModelBackend's job; this backend only answers object questions.
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if obj is None or not user_obj.is_active:
            return False
        if perm not in ModelBackend.get_all_permissions(self, user_obj):
            return False
        roles = roles_of(user_obj)
        if any(ROLES[role].grants_unscoped(perm) for role in roles):
            return True
        if any(ROLES[role].grants_scoped(perm) for role in roles):
            department = department_for(obj)
            return department is not None and department in department_ids_of(user_obj)
        return True

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        # Object permissions are answered one at a time by has_perm above.
        return set()

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
