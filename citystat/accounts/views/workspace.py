"""The staff workspace home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from citystat.accounts.decorators import staff_required
from citystat.accounts.permissions import ROLES, Role
from citystat.accounts.roles import is_administrator, roles_of
from citystat.accounts.workspace import sections_for


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    sections = sections_for(request.user)
    context = {
        "sections": sections,
        "total": sum(section.count for section in sections),
        "role_names": [Role(role).label for role in roles_of(request.user) if role in ROLES],
        "is_administrator": is_administrator(request.user),
        "may_invite": request.user.has_perm("accounts.add_invitation"),
        "may_audit": request.user.has_perm("accounts.view_auditentry"),
    }
    return render(request, "staff/home.html", context)
