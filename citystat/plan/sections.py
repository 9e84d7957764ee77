"""The plan's parts of the staff workspace: what a department owes this reporting cycle,
the narratives waiting for the performance office, and the reporting page in the nav."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.plan.cycle import duties_of
from citystat.plan.models import Narrative

SHOWN = 20


def reporting_due(user: Any) -> list[WorkspaceItem]:
    """Narratives and entered values due, overdue or returned for the person's measures."""
    return [
        WorkspaceItem(
            duty.measure.title,
            reverse("staff-measure", args=[duty.measure.slug]),
            f"{duty.state_label}: {duty.sentence()}",
        )
        for duty in duties_of(user)[:SHOWN]
    ]


def narratives_to_review(user: Any) -> list[WorkspaceItem]:
    """Drafts the performance office has not approved or returned yet, oldest first."""
    drafts = Narrative.objects.filter(state=Narrative.State.DRAFT).select_related("measure")
    return [
        WorkspaceItem(
            f"{narrative.measure.title}, {narrative.period}",
            reverse("staff-measure", args=[narrative.measure.slug]) + "#narrative-heading",
            f"Written {narrative.updated_at:%Y-%m-%d}",
        )
        for narrative in drafts.order_by("updated_at")[:SHOWN]
    ]


def register_plan_sections() -> None:
    register_section(
        "narratives-due",
        "Reporting due",
        items=reporting_due,
        permission="plan.change_narrative",
        order=10,
        empty="Nothing is due for the measures you report on.",
    )
    register_section(
        "narratives-to-review",
        "Narratives to review",
        items=narratives_to_review,
        permission="plan.approve_narrative",
        order=11,
        empty="No narrative is waiting for review.",
        page="staff-reporting",
        nav_label=_("Reporting"),
    )
