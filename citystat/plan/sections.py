"""The plan's workspace section: measures whose spec no longer passes the plan's checks.

A dataset whose schema changed (a renamed column) leaves such a measure uncomputable;
each item opens the measure in the builder, which shows the problem beside its picker.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.plan.compute.run import city_context, dataset_schemas, measure_specs
from citystat.plan.compute.spec import SpecError, check_spec
from citystat.plan.models import Measure


def measures_to_rebuild(user: Any) -> list[WorkspaceItem]:
    """Return the current plan's measures the user may edit whose spec fails its check."""
    schemas, specs = dataset_schemas(), measure_specs()
    calendar = city_context().calendar
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


def register_plan_sections() -> None:
    register_section(
        "plan-measures-to-rebuild",
        "Measures to rebuild in the plan editor",
        items=measures_to_rebuild,
        permission="plan.change_measure",
        order=25,
        empty="Every measure's spec passes the plan's checks.",
    )
