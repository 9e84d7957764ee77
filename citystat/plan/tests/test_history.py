"""Targets never change silently: a reason is required and the history reads as sentences."""

from __future__ import annotations

import pytest
from django.utils import translation
from simple_history.utils import update_change_reason

from citystat.plan.history import PLAN_FILE_REASON, describe, target_history
from citystat.plan.models import Target, TargetChangeError
from citystat.plan.tests.test_compute_values import make_measure

pytestmark = pytest.mark.usefixtures("requests")


def test_changing_a_target_without_a_reason_is_refused():
    target = Target.objects.create(
        measure=make_measure({"aggregate": "count", "grain": "month"}), fiscal_year=2026, value=95
    )
    target.value = 90
    with pytest.raises(TargetChangeError, match="needs a reason"):
        target.save()


def test_a_note_can_change_without_a_reason():
    target = Target.objects.create(
        measure=make_measure({"aggregate": "count", "grain": "month"}), fiscal_year=2026, value=95
    )
    target.note = "Reviewed in the FY2026 budget."
    target.save()


def test_the_target_history_says_what_moved_and_why():
    measure = make_measure({"aggregate": "count", "grain": "month"})
    measure.unit = "percent"
    target = Target.objects.create(measure=measure, fiscal_year=2026, value=95)
    update_change_reason(target, "The plan was adopted")
    target.value = 90
    target._change_reason = "Two crews were cut in the FY2026 budget"
    target.save()
    history = target_history(measure)
    assert [change.verb for change in history] == ["set", "lowered"]
    sentence = describe(history[-1], unit="percent")
    assert sentence.startswith("FY2026 target lowered from 95.0% to 90.0% on ")
    assert sentence.endswith("because Two crews were cut in the FY2026 budget.")


def test_a_change_the_plan_file_made_reads_in_the_readers_language():
    """Was "… porque set by the plan file." on the Spanish measure page (#20)."""

    measure = make_measure({"aggregate": "count", "grain": "month"})
    target = Target.objects.create(measure=measure, fiscal_year=2026, value=1200)
    target.value = 1500.5
    target._change_reason = PLAN_FILE_REASON
    target.save()
    change = target_history(measure)[-1]
    assert describe(change, unit="count").startswith("FY2026 target raised from 1,200 to 1,500 on")
    assert describe(change, unit="count").endswith(", by the plan file.")
    with translation.override("es"):
        sentence = describe(change, unit="count")
    assert "1.200" in sentence and "1.500" in sentence
    assert sentence.endswith(", según el archivo del plan.")
    assert "set by the plan file" not in sentence and "porque" not in sentence
