"""Status from targets (proximity and bands, each direction) and the roll-up rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from citystat.lib.periods import FiscalCalendar
from citystat.plan.models import Measure, MeasureValue, Plan, Status, Target
from citystat.plan.status import RolledUp, judge, roll_up, status_for, target_in_force
from citystat.plan.tests.test_compute_values import make_measure

HIGHER, LOWER, RANGE = "higher", "lower", "range"
KC = FiscalCalendar(5, 1)


def target(value: float, tolerance: float = 0, **extra) -> Target:
    return Target(fiscal_year=2025, value=value, tolerance=tolerance, **extra)


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (95, HIGHER, Status.ON_TRACK),  # better than the target
        (90, HIGHER, Status.ON_TRACK),  # exactly on it
        (85, HIGHER, Status.ON_TRACK),  # short by the tolerance: still on track
        (82, HIGHER, Status.NEEDS_ATTENTION),  # short by up to twice the tolerance
        (79, HIGHER, Status.OFF_TRACK),
        (85, LOWER, Status.ON_TRACK),
        (97, LOWER, Status.NEEDS_ATTENTION),
        (101, LOWER, Status.OFF_TRACK),
        (95, RANGE, Status.ON_TRACK),
        (81, RANGE, Status.NEEDS_ATTENTION),
        (101, RANGE, Status.OFF_TRACK),
    ],
)
def test_proximity_style(value, direction, expected):
    assert judge(value, target(90, tolerance=5), direction) == expected


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (90, HIGHER, Status.ON_TRACK),
        (80, HIGHER, Status.NEEDS_ATTENTION),
        (74.9, HIGHER, Status.OFF_TRACK),
        (5, LOWER, Status.ON_TRACK),
        (9, LOWER, Status.NEEDS_ATTENTION),
        (10.1, LOWER, Status.OFF_TRACK),
    ],
)
def test_bands_style(value, direction, expected):
    off_track_at = 75 if direction == HIGHER else 10
    bands = target(90 if direction == HIGHER else 5, style="bands", off_track_at=off_track_at)
    assert judge(value, bands, direction) == expected


@given(
    goal=st.floats(-1e6, 1e6),
    tolerance=st.floats(0, 1e4),
    better=st.floats(0, 1e4),
)
def test_a_value_at_or_better_than_the_target_is_always_on_track(goal, tolerance, better):
    assert judge(goal + better, target(goal, tolerance), HIGHER) == Status.ON_TRACK
    assert judge(goal - better, target(goal, tolerance), LOWER) == Status.ON_TRACK


@given(goal=st.floats(-1e3, 1e3), tolerance=st.floats(0.01, 100), a=st.floats(0, 1e3))
def test_a_worse_value_never_gets_a_better_status(goal, tolerance, a):
    order = [Status.OFF_TRACK, Status.NEEDS_ATTENTION, Status.ON_TRACK]
    worse, less_worse = goal - a - tolerance, goal - a
    rank = order.index
    assert rank(judge(worse, target(goal, tolerance), HIGHER)) <= rank(
        judge(less_worse, target(goal, tolerance), HIGHER)
    )


def test_the_target_in_force_is_the_latest_set_at_or_before_the_fiscal_year():
    targets = [Target(fiscal_year=2025, value=1), Target(fiscal_year=2027, value=3)]
    assert target_in_force(targets, 2024) is None
    assert target_in_force(targets, 2026).value == 1
    assert target_in_force(targets, 2028).value == 3


def test_roll_up_averages_points():
    assert roll_up([Status.ON_TRACK, Status.OFF_TRACK]).status == Status.NEEDS_ATTENTION
    assert roll_up([Status.ON_TRACK] * 3 + [Status.OFF_TRACK]).status == Status.ON_TRACK
    assert roll_up([Status.OFF_TRACK, Status.NEEDS_ATTENTION]).status == Status.NEEDS_ATTENTION
    assert roll_up([Status.OFF_TRACK] * 2 + [Status.NEEDS_ATTENTION]).status == Status.OFF_TRACK
    assert roll_up([Status.ON_TRACK, Status.NO_RECENT_DATA]) == RolledUp(Status.ON_TRACK, 2.0, 1)
    assert roll_up([Status.NO_RECENT_DATA, Status.NO_TARGET]).status == Status.NO_RECENT_DATA
    assert roll_up([Status.NO_TARGET]).status == Status.NO_TARGET
    assert roll_up([]).status == Status.NO_RECENT_DATA


def test_areas_roll_up_goal_scores_with_each_goal_weighing_the_same():
    goals = [RolledUp(Status.ON_TRACK, 2.0, 5), RolledUp(Status.OFF_TRACK, 0.0, 1)]
    assert roll_up(goals) == RolledUp(Status.NEEDS_ATTENTION, 1.0, 2)


@pytest.mark.usefixtures("requests")
class TestStatusOfAStoredMeasure:
    def value(self, measure: Measure, period: str, end: dt.date, amount: float) -> MeasureValue:
        return MeasureValue.objects.create(
            measure=measure,
            period=period,
            period_start=end.replace(day=1),
            period_end=end,
            value=amount,
        )

    def test_it_judges_the_latest_value_against_that_fiscal_years_target(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        Target.objects.create(measure=measure, fiscal_year=2025, value=10, tolerance=1)
        Target.objects.create(measure=measure, fiscal_year=2026, value=20, tolerance=1)
        self.value(measure, "2025-04", dt.date(2025, 4, 30), 10)
        status = status_for(measure, calendar=KC, today=dt.date(2025, 5, 10))
        assert (status.status, status.target.fiscal_year) == (Status.ON_TRACK, 2025)
        self.value(measure, "2025-05", dt.date(2025, 5, 31), 10)
        status = status_for(measure, calendar=KC, today=dt.date(2025, 6, 10))
        assert (status.status, status.target.fiscal_year) == (Status.OFF_TRACK, 2026)

    def loaded_on(self, measure: Measure, day: dt.date) -> None:
        """Pretend the measure's dataset was last loaded on `day`."""
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(6)))
        assert measure.dataset is not None
        measure.dataset.versions.update(finished_at=at)

    def test_an_old_value_of_a_dataset_overdue_for_its_refresh_is_no_recent_data(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        Target.objects.create(measure=measure, fiscal_year=2025, value=10)
        self.value(measure, "2024-06", dt.date(2024, 6, 30), 10)
        self.loaded_on(measure, dt.date(2024, 7, 1))  # a daily dataset, never loaded since
        judged = status_for(measure, today=dt.date(2024, 8, 30))
        assert (judged.status, judged.historic, judged.as_of) == (Status.ON_TRACK, False, "")
        judged = status_for(measure, today=dt.date(2024, 9, 30))
        assert (judged.status, judged.as_of) == (Status.NO_RECENT_DATA, "")

    def test_a_historic_dataset_loaded_as_promised_is_judged_on_its_latest_period(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        Target.objects.create(measure=measure, fiscal_year=2018, value=10, tolerance=1)
        Target.objects.create(measure=measure, fiscal_year=2019, value=99)
        self.value(measure, "2018-02", dt.date(2018, 2, 28), 12)
        self.value(measure, "2018-03", dt.date(2018, 3, 31), 8.5)
        self.loaded_on(measure, dt.date(2026, 12, 2))
        judged = status_for(measure, calendar=KC, today=dt.date(2026, 12, 2))
        # March 2018 lies in KC's FY2018 (May to April): 8.5 is 1.5 short of 10, within 2 × 1.
        assert (judged.status, judged.value.period, judged.target.fiscal_year) == (
            Status.NEEDS_ATTENTION,
            "2018-03",
            2018,
        )
        assert judged.historic
        assert judged.as_of == "as of March 2018"
        with translation.override("es"):
            assert judged.as_of == "según datos de marzo de 2018"

    def test_a_partial_last_period_is_not_the_one_judged(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        Target.objects.create(measure=measure, fiscal_year=2018, value=10)
        self.value(measure, "2018-03", dt.date(2018, 3, 31), 10)
        MeasureValue.objects.create(
            measure=measure,
            period="2018-04",
            period_start=dt.date(2018, 4, 1),
            period_end=dt.date(2018, 4, 30),
            value=1,
            is_partial=True,
        )
        judged = status_for(measure, calendar=KC, today=dt.date(2026, 12, 2))
        assert (judged.status, judged.value.period) == (Status.ON_TRACK, "2018-03")

    def test_a_partial_period_is_never_judged_even_when_asked_for(self):
        measure = make_measure({"aggregate": "mean", "field": "days", "grain": "quarter"})
        Target.objects.create(measure=measure, fiscal_year=2018, value=10)
        partial = MeasureValue.objects.create(
            measure=measure,
            period="2018-Q2",
            period_start=dt.date(2018, 4, 1),
            period_end=dt.date(2018, 6, 30),
            value=10,
            is_partial=True,
        )
        with pytest.raises(ValueError, match="2018-Q2 is a partial period"):
            status_for(measure, partial, calendar=KC, today=dt.date(2018, 4, 20))

    def test_a_plan_as_of_a_day_is_judged_on_periods_ending_by_it(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        Target.objects.create(measure=measure, fiscal_year=2018, value=10)
        self.value(measure, "2018-01", dt.date(2018, 1, 31), 10)
        self.value(measure, "2018-02", dt.date(2018, 2, 28), 3)
        Plan.objects.update(as_of=dt.date(2018, 2, 27))  # February is not over by then
        judged = status_for(measure, calendar=KC, today=dt.date(2026, 12, 2))
        assert (judged.status, judged.value.period) == (Status.ON_TRACK, "2018-01")
        assert judged.as_of == "as of January 2018"
        # Even a dataset overdue for its refresh: the report is about the past.
        self.loaded_on(measure, dt.date(2018, 3, 1))
        assert status_for(measure, calendar=KC).status == Status.ON_TRACK

    def test_a_manual_measures_old_value_is_judged_against_that_years_target(self):
        measure = make_measure({}, slug="manual")
        Measure.objects.filter(pk=measure.pk).update(frequency="fiscal_year", dataset=None)
        measure.refresh_from_db()
        Target.objects.create(measure=measure, fiscal_year=2018, value=90, tolerance=2)
        Target.objects.create(measure=measure, fiscal_year=2019, value=99)
        MeasureValue.objects.create(
            measure=measure,
            period="FY2018",
            period_start=dt.date(2017, 5, 1),
            period_end=dt.date(2018, 4, 30),
            value=89,
            origin=MeasureValue.Origin.ENTERED,
        )
        judged = status_for(measure, calendar=KC, today=dt.date(2026, 12, 2))
        assert (judged.status, judged.target.fiscal_year) == (Status.ON_TRACK, 2018)
        assert judged.as_of == "as of FY2018"
        with translation.override("es"):
            assert judged.as_of == "según datos de año fiscal 2018"

    def test_a_measure_without_values_has_no_recent_data(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        assert status_for(measure).status == Status.NO_RECENT_DATA

    def test_a_measure_without_a_target_is_target_pending(self):
        measure = make_measure({"aggregate": "count", "grain": "month"})
        self.value(measure, "2024-06", dt.date(2024, 6, 30), 10)
        assert status_for(measure, today=dt.date(2024, 7, 1)).status == Status.NO_TARGET
