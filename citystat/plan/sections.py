"""The plan's parts of the staff workspace: what a department owes this reporting cycle,
the narratives waiting for the performance office, the reporting page in the nav, and the
measures whose spec no longer passes the plan's checks.

A dataset whose schema changed (a renamed column) leaves such a measure uncomputable;
each of those items opens the measure in the builder, which shows the problem beside its
picker.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citystat.accounts.backends import department_ids_of
from citystat.accounts.sections import admin_link
from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.city.models import CityProfile
from citystat.plan.cycle import duties_of
from citystat.plan.models import GoalNarrative, Measure, Narrative

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
    """Drafts of measures and goals the performance office has not approved or returned
    yet, oldest first."""
    drafts = Narrative.objects.filter(state=Narrative.State.DRAFT).select_related("measure")
    goal_drafts = GoalNarrative.objects.filter(state=GoalNarrative.State.DRAFT).select_related(
        "goal__priority_area"
    )
    waiting = [
        (
            narrative.updated_at,
            WorkspaceItem(
                f"{narrative.measure.title}, {narrative.period}",
                reverse("staff-measure", args=[narrative.measure.slug]) + "#narrative-heading",
                f"Written {narrative.updated_at:%Y-%m-%d}",
            ),
        )
        for narrative in drafts.order_by("updated_at")[:SHOWN]
    ]
    waiting += [
        (
            narrative.updated_at,
            WorkspaceItem(
                f"{narrative.goal.title} (goal), {narrative.period}",
                reverse(
                    "staff-plan-goal-narratives",
                    args=[narrative.goal.priority_area.slug, narrative.goal.slug],
                ),
                f"Written {narrative.updated_at:%Y-%m-%d}",
            ),
        )
        for narrative in goal_drafts.order_by("updated_at")[:SHOWN]
    ]
    return [item for _written, item in sorted(waiting, key=lambda pair: pair[0])][:SHOWN]


def measures_to_rebuild(user: Any) -> list[WorkspaceItem]:
    """Return the current plan's measures the user may edit whose spec fails its check."""
    # Here, not at the top: sections load at start-up, which must not import Ibis (#23).
    from citystat.plan.compute.run import dataset_schemas, measure_specs  # noqa: PLC0415
    from citystat.plan.compute.spec import SpecError, check_spec  # noqa: PLC0415

    schemas, specs = dataset_schemas(), measure_specs()
    calendar = CityProfile.current().fiscal_calendar
    items = []
    measures = Measure.objects.filter(objective__goal__priority_area__plan__is_current=True)
    for measure in measures.exclude(spec={}).select_related("department"):
        if not user.has_perm("plan.change_measure", measure):
            continue
        try:
            check_spec(measure.spec, schemas, calendar, specs, measure.slug)
        except SpecError as error:
            url = reverse("staff-plan-measure", args=[measure.slug])
            items.append(WorkspaceItem(measure.title, url, error.problems[0][:160]))
    return items


def measures_without_targets(user: Any) -> list[WorkspaceItem]:
    """Return this fiscal year's measures lacking a target: all, or the person's departments."""
    year = CityProfile.current().fiscal_year_of(timezone.localdate())
    measures = Measure.objects.filter(objective__goal__priority_area__plan__is_current=True)
    measures = measures.exclude(targets__fiscal_year=year)
    if not user.has_perm("plan.change_target"):
        measures = measures.filter(department__in=department_ids_of(user))
    return [
        WorkspaceItem(measure.title, admin_link(user, measure), f"No FY{year} target")
        for measure in measures.order_by("title")[:SHOWN]
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
    register_section(
        "plan-measures-to-rebuild",
        "Measures to rebuild in the plan editor",
        items=measures_to_rebuild,
        permission="plan.change_measure",
        order=25,
        empty="Every measure's spec passes the plan's checks.",
        page="staff-plan",
        nav_label=_("Plan editor"),
    )
    register_section(
        "measures-without-targets",
        "Measures without a target this year",
        items=measures_without_targets,
        permission="plan.view_measure",
        order=40,
        empty="Every measure has this year's target.",
    )
