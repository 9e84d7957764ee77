"""Template filters for the staff plan pages."""

from __future__ import annotations

from django import template

from citystat.plan.models import Status

register = template.Library()

# The design system's status pills (docs/design-system.md, Status).
STATUS_CSS = {
    Status.ON_TRACK: "on-track",
    Status.NEEDS_ATTENTION: "needs-attention",
    Status.OFF_TRACK: "off-track",
    Status.NO_RECENT_DATA: "no-data",
    Status.NO_TARGET: "no-data",
}


@register.filter
def status_css(status: str) -> str:
    """Return the pill class suffix for a status value ("on_track" → "on-track")."""
    try:
        return STATUS_CSS[Status(status)]
    except ValueError:
        return "no-data"


@register.filter
def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return str(status)
