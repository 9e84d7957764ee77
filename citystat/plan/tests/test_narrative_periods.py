"""A narrative belongs to one of its measure's periods (issue #16, Low 12)."""

from __future__ import annotations

import pytest

from citystat.plan.models import Narrative, NarrativePeriodError
from citystat.plan.testing import add_measure

SPEC = {"dataset": "requests", "date": "created_date", "aggregate": "count"}


@pytest.mark.parametrize(
    ("grain", "period", "expected"),
    [
        ("month", "FY2026", "a month such as 2026-10"),
        ("quarter", "2026-10", "a quarter such as 2026-Q1"),
        ("fiscal_year", "2026", "a fiscal year such as FY2026"),
        ("year", "zzzz-not-a-period", "a calendar year such as 2026"),
    ],
)
def test_a_period_of_another_grain_or_none_is_refused_with_the_form_expected(
    requests, grain, period, expected
):
    measure = add_measure("m", {**SPEC, "grain": grain})
    with pytest.raises(NarrativePeriodError) as refused:
        Narrative.objects.create(measure=measure, period=period, context="c")
    assert f"measure 'm': the narrative's period {period!r} is not {expected}" in str(refused.value)
    assert not Narrative.objects.exists()


def test_a_period_of_the_measures_grain_is_stored_as_its_label(requests):
    measure = add_measure("m", {**SPEC, "grain": "quarter"})
    narrative = Narrative.objects.create(measure=measure, period=" 2026-Q1 ", context="c")
    assert Narrative.objects.get(pk=narrative.pk).period == "2026-Q1"


def test_a_measure_with_values_typed_in_uses_its_frequency(requests):
    measure = add_measure("m", {})
    measure.frequency = "fiscal_year"
    measure.save()
    Narrative.objects.create(measure=measure, period="FY2026", context="c")
    with pytest.raises(NarrativePeriodError):
        Narrative.objects.create(measure=measure, period="2026-10", context="c")
