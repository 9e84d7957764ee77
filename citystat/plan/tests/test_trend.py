"""Trend and forecast on synthetic series whose slope is known."""

from __future__ import annotations

import pytest

from citystat.plan.trend import forecast, t_quantile_975, trend_of


def test_a_straight_line_has_its_exact_slope_and_no_uncertainty():
    trend = trend_of([10, 12, 14, 16, 18])
    assert trend.slope == pytest.approx(2)
    assert trend.slope_low == pytest.approx(2) and trend.slope_high == pytest.approx(2)
    assert trend.direction == "rising"


def test_at_the_current_pace_the_target_is_reached_after_the_gap_over_the_slope():
    result = forecast([10, 12, 14, 16, 18], target=25, higher_is_better=True)
    assert (result.reached_in, result.earliest, result.latest) == (4, 4, 4)


def test_a_trend_going_the_wrong_way_never_reaches_the_target():
    result = forecast([18, 16, 14, 12], target=25, higher_is_better=True)
    assert result.reached_in is None


def test_lower_is_better_targets_are_reached_by_falling():
    assert forecast([9, 8, 7, 6], target=4, higher_is_better=False).reached_in == 2


def test_a_met_target_is_already_met():
    assert forecast([9, 8, 7, 6], target=7, higher_is_better=False).already_met


def test_noise_widens_the_interval_and_may_mean_never():
    noisy = [50, 58, 47, 60, 49, 61, 52, 59]
    result = forecast(noisy, target=80, higher_is_better=True)
    assert result.latest is None  # the slope's interval includes zero
    assert result.earliest is not None and result.earliest <= (result.reached_in or 10**9)


def test_a_change_within_normal_variation_is_labelled_so():
    assert trend_of([50, 54, 49, 53, 50, 52]).change_is_normal_variation
    assert not trend_of([50, 51, 50, 51, 50, 60]).change_is_normal_variation


def test_too_few_points_give_no_trend():
    assert trend_of([1, 2]) is None


@pytest.mark.parametrize("degrees_of_freedom", [1, 2, 3, 7, 22, 30, 31, 45, 120, 1000])
def test_the_t_quantile_matches_scipy(degrees_of_freedom):
    stats = pytest.importorskip("scipy.stats")
    exact = stats.t.ppf(0.975, degrees_of_freedom)
    assert t_quantile_975(degrees_of_freedom) == pytest.approx(exact, rel=1e-6)


def test_three_points_give_the_slope_interval_of_students_t_with_one_degree_of_freedom():
    stats = pytest.importorskip("scipy.stats")
    values = [10.0, 13.0, 14.0]
    fit = stats.linregress([0, 1, 2], values)
    trend = trend_of(values)
    half_width = stats.t.ppf(0.975, 1) * fit.stderr
    assert trend.slope_low == pytest.approx(fit.slope - half_width)
    assert trend.slope_high == pytest.approx(fit.slope + half_width)
