"""One tiny plan for the public site's tests, built with the ORM (no Faker)."""

from __future__ import annotations

from citystat.plan.models import Goal, Measure, Objective, Plan


def build_tiny_plan() -> Plan:
    """Create a current plan with two priority areas, three goals and three measures."""
    plan = Plan.objects.create(
        title="Citywide Business Plan",
        slug="citywide-business-plan",
        first_fiscal_year=2025,
        last_fiscal_year=2029,
        is_current=True,
    )
    streets = plan.priority_areas.create(
        slug="infrastructure",
        title="Infrastructure",
        summary="Streets, water and sewers residents can count on.",
        position=1,
    )
    safety = plan.priority_areas.create(
        slug="public-safety", title="Public Safety", summary="Safe neighborhoods.", position=2
    )
    potholes = Goal.objects.create(
        priority_area=streets, slug="streets", title="Keep streets in good repair", position=1
    )
    Goal.objects.create(
        priority_area=streets, slug="water", title="Deliver clean, reliable water", position=2
    )
    Goal.objects.create(
        priority_area=safety, slug="response", title="Answer emergencies quickly", position=1
    )
    objective = Objective.objects.create(goal=potholes, title="Fix potholes fast")
    for slug, is_public in [("potholes-closed", True), ("lane-miles", True), ("draft", False)]:
        Measure.objects.create(
            objective=objective,
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            definition="A measure for the tests.",
            unit=Measure.Unit.PERCENT,
            direction=Measure.Direction.HIGHER_IS_BETTER,
            frequency=Measure.Frequency.MONTH,
            is_public=is_public,
        )
    return plan
