"""Two measures, one per department, built with the ORM for scope tests."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def build_measures(departments: dict[str, Any]) -> dict[str, Any]:
    """Create a current plan with a Water Services measure and a Public Works measure."""
    Plan = apps.get_model("plan", "Plan")
    Goal = apps.get_model("plan", "Goal")
    Objective = apps.get_model("plan", "Objective")
    Measure = apps.get_model("plan", "Measure")
    plan = Plan.objects.create(
        title="Citywide Business Plan",
        slug="citywide-business-plan",
        first_fiscal_year=2025,
        last_fiscal_year=2029,
        is_current=True,
    )
    area = plan.priority_areas.create(slug="infrastructure", title="Infrastructure", position=1)
    goal = Goal.objects.create(priority_area=area, slug="water", title="Clean water", position=1)
    objective = Objective.objects.create(goal=goal, title="Fix main breaks fast")
    measures = {}
    for key, slug in [("water", "main-breaks-fixed"), ("public-works", "potholes-closed")]:
        measures[key] = Measure.objects.create(
            objective=objective,
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            definition="A measure for the tests.",
            unit="percent",
            direction="higher",
            frequency="month",
            department=departments[key],
        )
    return measures
