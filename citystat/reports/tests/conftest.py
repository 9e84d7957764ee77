"""A small current plan to export: fiscal years start 1 July.

Area "streets": goal "smooth-streets" with two public measures (monthly potholes filled,
quarterly resident satisfaction with a survey interval) and one internal measure; goal
"safe-crossings" with none. Area "parks": no goals at all.
"""

from __future__ import annotations

import datetime as dt

import pytest

from citystat.city.models import CityProfile, Department
from citystat.lib.periods import FiscalCalendar
from citystat.plan.models import Narrative, Plan
from citystat.plan.testing import add_value, build_plan

TODAY = dt.date(2026, 8, 20)  # FY2027 has begun; FY2026 ran 2025-07-01..2026-06-30
CALENDAR = FiscalCalendar(7, 1)


@pytest.fixture
def export_plan(db):
    return build_export_plan()


def build_export_plan() -> Plan:
    """Make the plan the module docstring describes (browser tests call it too)."""
    CityProfile.objects.create(
        name="Riverton", fiscal_year_start_month=7, fiscal_year_start_day=1, languages=["en", "es"]
    )
    streets_dept = Department.objects.create(code="streets", name="Streets")
    built = build_plan(
        slug="riverton", title="Riverton Plan", first_fiscal_year=2025, last_fiscal_year=2028
    )
    built.area("streets", "Streets", position=1)
    built.area("parks", "Parks", position=2)
    built.goal("streets", "smooth-streets", "Smooth streets")
    built.goal("streets", "safe-crossings", "Safe crossings", position=2)
    built.objective("smooth-streets", "Fill potholes fast")
    # FY2026: twelve months, then FY2027's first month (outside an FY2026 export).
    monthly = [95, 102, 88, 110, 79, 100, 91, 105, 120, 97, 89.5, 111]
    months = [(2025, 7 + i) if i < 6 else (2026, i - 5) for i in range(12)]
    potholes = built.measure(
        "Fill potholes fast",
        "potholes-filled",
        title="Potholes filled",
        definition="Count.",
        unit="count",
        department=streets_dept,
        position=1,
        targets={2026: (100, 10)},
        values={f"{y}-{m:02d}": v for (y, m), v in zip(months, monthly, strict=True)}
        | {"2026-07": 140},
        calendar=CALENDAR,
    )
    add_value(potholes, "2026-08", 30, calendar=CALENDAR, is_partial=True)
    satisfaction = built.measure(
        "Fill potholes fast",
        "street-satisfaction",
        title="Residents satisfied with streets",
        definition="Survey share.",
        frequency="quarter",
        position=2,
        targets={2026: (60, 2)},
    )
    for label, value, low, high in [
        ("2025-Q3", 58.5, 55.1, 61.9),
        ("2025-Q4", 61.25, 58.0, 64.5),
        ("2026-Q1", 57.0, 53.2, 60.8),
        ("2026-Q2", 54.0, 50.5, 57.5),
    ]:
        add_value(
            satisfaction, label, value, calendar=CALENDAR, ci_lower=low, ci_upper=high, ci_n=400
        )
    overtime = built.measure(
        "Fill potholes fast",
        "crew-overtime",
        title="Crew overtime hours",
        definition="Hours.",
        unit="days",
        direction="lower",
        is_public=False,
        position=3,
        targets={2026: (5, 1)},
        values={"2025-07": 4.5, "2025-08": 6.5},
        calendar=CALENDAR,
    )
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
    return built.plan
