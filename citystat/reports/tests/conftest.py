"""A small current plan to export: fiscal years start 1 July.

Area "streets": goal "smooth-streets" with two public measures (monthly potholes filled,
quarterly resident satisfaction with a survey interval) and one internal measure; goal
"safe-crossings" with none. Area "parks": no goals at all.
"""

from __future__ import annotations

import datetime as dt

import pytest

from citystat.city.models import CityProfile, Department
from citystat.lib.periods import FiscalCalendar, parse_period
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Narrative,
    Objective,
    Plan,
    PriorityArea,
    Target,
)

TODAY = dt.date(2026, 8, 20)  # FY2027 has begun; FY2026 ran 2025-07-01..2026-06-30
CALENDAR = FiscalCalendar(7, 1)


def add_value(measure: Measure, label: str, value: float | None, **fields) -> MeasureValue:  # type: ignore[no-untyped-def]
    period = parse_period(label, CALENDAR)
    return MeasureValue.objects.create(
        measure=measure,
        period=label,
        period_start=period.start,
        period_end=period.end,
        value=value,
        origin=MeasureValue.Origin.ENTERED,
        **fields,
    )


@pytest.fixture
def export_plan(db):
    return build_export_plan()


def build_export_plan() -> Plan:
    """Make the plan the module docstring describes (browser tests call it too)."""
    CityProfile.objects.create(
        name="Riverton", fiscal_year_start_month=7, fiscal_year_start_day=1, languages=["en", "es"]
    )
    streets_dept = Department.objects.create(code="streets", name="Streets")
    plan = Plan.objects.create(
        title="Riverton Plan",
        slug="riverton",
        first_fiscal_year=2025,
        last_fiscal_year=2028,
        is_current=True,
    )
    streets = PriorityArea.objects.create(plan=plan, slug="streets", title="Streets", position=1)
    PriorityArea.objects.create(plan=plan, slug="parks", title="Parks", position=2)
    smooth = Goal.objects.create(
        priority_area=streets, slug="smooth-streets", title="Smooth streets"
    )
    Goal.objects.create(
        priority_area=streets, slug="safe-crossings", title="Safe crossings", position=2
    )
    objective = Objective.objects.create(goal=smooth, title="Fill potholes fast")
    potholes = Measure.objects.create(
        objective=objective,
        slug="potholes-filled",
        title="Potholes filled",
        definition="Count.",
        unit="count",
        direction="higher",
        frequency="month",
        department=streets_dept,
        position=1,
    )
    satisfaction = Measure.objects.create(
        objective=objective,
        slug="street-satisfaction",
        title="Residents satisfied with streets",
        definition="Survey share.",
        unit="percent",
        direction="higher",
        frequency="quarter",
        position=2,
    )
    overtime = Measure.objects.create(
        objective=objective,
        slug="crew-overtime",
        title="Crew overtime hours",
        definition="Hours.",
        unit="days",
        direction="lower",
        frequency="month",
        is_public=False,
        position=3,
    )
    Target.objects.create(measure=potholes, fiscal_year=2026, value=100, tolerance=10)
    Target.objects.create(measure=satisfaction, fiscal_year=2026, value=60, tolerance=2)
    Target.objects.create(measure=overtime, fiscal_year=2026, value=5, tolerance=1)
    # FY2026: twelve months, then FY2027's first month (outside an FY2026 export).
    monthly = [95, 102, 88, 110, 79, 100, 91, 105, 120, 97, 89.5, 111]
    for index, value in enumerate(monthly):
        year, month = (2025, 7 + index) if index < 6 else (2026, index - 5)
        add_value(potholes, f"{year}-{month:02d}", value)
    add_value(potholes, "2026-07", 140)
    add_value(potholes, "2026-08", 30, is_partial=True)
    for label, value, low, high in [
        ("2025-Q3", 58.5, 55.1, 61.9),
        ("2025-Q4", 61.25, 58.0, 64.5),
        ("2026-Q1", 57.0, 53.2, 60.8),
        ("2026-Q2", 54.0, 50.5, 57.5),
    ]:
        add_value(satisfaction, label, value, ci_lower=low, ci_upper=high, ci_n=400)
    for month, value in [(7, 4.5), (8, 6.5)]:
        add_value(overtime, f"2025-{month:02d}", value)
    Narrative.objects.create(
        measure=potholes,
        period="2026-06",
        context="Crews caught up after the spring thaw.",
        actions="Two more crews.",
        state=Narrative.State.APPROVED,
    )
    Narrative.objects.create(
        measure=satisfaction,
        period="2026-Q2",
        context="DRAFT WORDS NOT REVIEWED",
        state=Narrative.State.DRAFT,
    )
    Narrative.objects.create(
        measure=overtime,
        period="2025-08",
        context="Storm overtime in August.",
        state=Narrative.State.APPROVED,
    )
    return plan
