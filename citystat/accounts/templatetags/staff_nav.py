"""`{% staff_nav %}`: the staff navigation, built from the workspace registry."""

from __future__ import annotations

from typing import Any

from django import template

from citystat.accounts.roles import is_staff_member
from citystat.accounts.workspace import nav_for

register = template.Library()


def under(path: str, url: str) -> bool:
    return path == url or (url != "/staff/" and path.startswith(url))


@register.inclusion_tag("staff/_nav.html", takes_context=True)
def staff_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not is_staff_member(user):
        return {"links": []}
    links = nav_for(user)
    # The deepest link the current address falls under is the current page; the
    # workspace home ("/staff/") is current only on itself.
    current = max(
        (link.url for link in links if under(request.path, link.url)),
        key=len,
        default="",
    )
    return {"links": links, "current": current, "csrf_token": context.get("csrf_token")}
