"""Which measure values reach the audit log: what staff enter, not what compute derives."""

import pytest

from citystat.accounts.models import AuditEntry
from citystat.plan.models import Goal, Measure, MeasureValue, Objective, Plan, PriorityArea


@pytest.fixture
def measure(db):
    plan = Plan.objects.create(
        title="P", slug="p", first_fiscal_year=2025, last_fiscal_year=2026, is_current=True
    )
    area = PriorityArea.objects.create(plan=plan, slug="a", title="A")
    goal = Goal.objects.create(priority_area=area, slug="g", title="G")
    objective = Objective.objects.create(goal=goal, title="O")
    return Measure.objects.create(
        objective=objective, slug="m", title="M", definition="d", unit="count",
        direction="higher", frequency="month",
    )  # fmt: skip


def add_value(measure, period: str, origin: str) -> MeasureValue:
    return MeasureValue.objects.create(
        measure=measure, period=period, period_start="2025-01-01", period_end="2025-01-31",
        value=3, origin=origin,
    )  # fmt: skip


def test_computed_values_are_derived_data_and_stay_out_of_the_audit_log(measure):
    before = AuditEntry.objects.count()
    add_value(measure, "2025-01", MeasureValue.Origin.COMPUTED).delete()
    assert AuditEntry.objects.count() == before


def test_values_staff_enter_are_audited(measure):
    before = AuditEntry.objects.count()
    add_value(measure, "2025-02", MeasureValue.Origin.ENTERED)
    assert AuditEntry.objects.count() == before + 1
