"""Measures without a spec take values staff type in or upload, each with a source note."""

from __future__ import annotations

import pytest

from citystat.plan.manual import ManualValueError, enter_value, import_values_csv
from citystat.plan.models import MeasureValue
from citystat.plan.tests.test_compute_values import make_measure

pytestmark = pytest.mark.usefixtures("kansas_city", "requests")


@pytest.fixture
def ambulance():
    measure = make_measure({"aggregate": "count", "grain": "month"}, slug="ambulance")
    measure.spec = {}
    measure.data_source = "Dispatch records"
    measure.save()
    return measure


def test_a_typed_in_value_is_stored_for_its_period_with_its_source(ambulance):
    value = enter_value(ambulance, "2025-03", "88.5", "Dispatch log export, 4 April")
    assert (value.period_start.isoformat(), value.value, value.origin) == (
        "2025-03-01",
        88.5,
        "entered",
    )


def test_typing_the_same_period_again_replaces_the_value(ambulance):
    enter_value(ambulance, "2025-03", 80, "first count")
    enter_value(ambulance, "2025-03", 81, "corrected count")
    assert MeasureValue.objects.get(measure=ambulance).value == 81


def test_a_csv_upload_is_all_or_nothing_and_names_each_bad_line(ambulance):
    text = (
        "period,value,source_note\n2025-01,90,log\nFY2025,91,log\n2025-03,lots,log\n2025-04,92,\n"
    )
    with pytest.raises(ManualValueError) as raised:
        import_values_csv(ambulance, text)
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "line 3",
        "line 4",
        "line 5",
    ]
    assert not MeasureValue.objects.exists()
    assert import_values_csv(ambulance, "period,value,source_note\n2025-01,90,log\n") == 1


def test_computed_measures_refuse_typed_in_values():
    computed = make_measure({"aggregate": "count", "grain": "month"}, slug="computed")
    with pytest.raises(ManualValueError, match="computed from its dataset"):
        enter_value(computed, "2025-01", 1, "x")
