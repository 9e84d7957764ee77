"""Keep each role's Group in step with the role table (permissions.ROLES)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import transaction

from citystat.accounts.permissions import ROLES, Role, role_permissions

ROLES_CACHE = "_citystat_roles"


def all_permissions() -> dict[str, Permission]:
    rows = Permission.objects.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}": p for p in rows}


@transaction.atomic
def sync_roles() -> dict[str, int]:
    """Create the role groups and give each exactly its permissions; return counts."""
    available = all_permissions()
    counts = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = role_permissions(role, list(available))
        group.permissions.set([available[name] for name in wanted])
        counts[role] = len(wanted)
    return counts


def sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    # post_migrate fires once per app; the last app to migrate creates the last
    # permissions, so syncing on accounts alone could miss models of later apps.
    if kwargs.get("plan") is not None or sender.label == "accounts":
        sync_roles()


def roles_of(user: Any) -> list[str]:
    """Return the role slugs `user` holds, cached on the user object for the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return []
    cached = getattr(user, ROLES_CACHE, None)
    if cached is None:
        cached = sorted(user.groups.filter(name__in=list(ROLES)).values_list("name", flat=True))
        setattr(user, ROLES_CACHE, cached)
    return list(cached)


def is_staff_member(user: Any) -> bool:
    return bool(user and user.is_active and (user.is_superuser or roles_of(user)))


def is_administrator(user: Any) -> bool:
    return bool(
        user and user.is_active and (user.is_superuser or Role.ADMINISTRATOR in roles_of(user))
    )


def requires_two_factor(user: Any) -> bool:
    if user is not None and user.is_superuser:
        return True
    return any(ROLES[role].requires_two_factor for role in roles_of(user))


def grant_role(user: Any, role: str) -> None:
    """Add `user` to `role`'s group, creating the groups first if needed."""
    group = Group.objects.filter(name=role).first()
    if group is None:
        sync_roles()
        group = Group.objects.get(name=role)
    user.groups.add(group)
    if hasattr(user, ROLES_CACHE):
        delattr(user, ROLES_CACHE)
