"""Trend and forecast: the recent slope, whether a change is more than normal variation,
and when the target is reached at the current pace (with its uncertainty).

The method is described in docs/measures.md ("Trend and forecast").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# How many recent periods the trend looks at, by grain.
WINDOW = {"day": 28, "week": 26, "month": 24, "quarter": 12, "fiscal_year": 6, "year": 6}
Z95 = 1.959963984540054
# Student's t, 97.5th percentile, for 1 to 30 degrees of freedom (a slope fitted to n
# points has n - 2). The 1.96 of the normal is far too narrow for few points: 12.71 at
# three points. `test_trend.py` checks this table against scipy.
T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip


def t_quantile_975(degrees_of_freedom: int) -> float:
    """Return Student's t 97.5th percentile: from the table, beyond it by an expansion.

    Past 30 degrees of freedom the Cornish-Fisher expansion around the normal quantile is
    within 1e-7 of the exact value.
    """
    if degrees_of_freedom < 1:
        raise ValueError("Student's t needs at least one degree of freedom.")
    if degrees_of_freedom <= len(T975):
        return T975[degrees_of_freedom - 1]
    z, n = Z95, float(degrees_of_freedom)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / n ** (power + 1) for power, term in enumerate(terms))


@dataclass(frozen=True)
class Trend:
    slope: float  # change per period
    slope_low: float  # 95% interval of the slope
    slope_high: float
    last_change: float | None  # latest period minus the one before
    normal_variation: float | None  # standard deviation of period-to-period changes
    periods: int

    @property
    def change_is_normal_variation(self) -> bool:
        """Say whether the latest change is within the measure's usual ups and downs."""
        if self.last_change is None or self.normal_variation is None:
            return True
        return abs(self.last_change) <= self.normal_variation

    @property
    def direction(self) -> str:
        if self.slope_low <= 0 <= self.slope_high:
            return "flat"
        return "rising" if self.slope > 0 else "falling"


@dataclass(frozen=True)
class Forecast:
    reached_in: int | None  # periods from the latest one; None: not at the current pace
    earliest: int | None  # with the slope at the better end of its interval
    latest: int | None  # with the slope at the worse end; None: maybe never
    already_met: bool = False


def trend_of(values: list[float]) -> Trend | None:
    """Fit a straight line to evenly spaced `values`, oldest first; None with under 3."""
    if len(values) < 3:
        return None
    y = np.asarray(values, dtype=float)
    x = np.arange(len(y), dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (slope * x + intercept)
    spread = float(np.sum((x - x.mean()) ** 2))
    error = math.sqrt(float(np.sum(residuals**2)) / (len(y) - 2) / spread) if len(y) > 2 else 0.0
    changes = np.diff(y)
    normal = float(np.std(changes[:-1], ddof=1)) if len(changes) >= 3 else None
    margin = t_quantile_975(len(y) - 2) * error
    return Trend(
        slope=float(slope),
        slope_low=float(slope - margin),
        slope_high=float(slope + margin),
        last_change=float(changes[-1]),
        normal_variation=normal,
        periods=len(y),
    )


def periods_to_reach(gap: float, slope: float) -> int | None:
    """Return how many periods a `gap` (positive: still to go up) takes at `slope`."""
    if gap <= 0:
        return 0
    if slope <= 0:
        return None
    return math.ceil(gap / slope)


def forecast(values: list[float], target: float, higher_is_better: bool) -> Forecast | None:
    """Project the trend of `values` to `target`; None when there is too little data."""
    trend = trend_of(values)
    if trend is None:
        return None
    sign = 1 if higher_is_better else -1
    gap = sign * (target - values[-1])
    if gap <= 0:
        return Forecast(0, 0, 0, already_met=True)
    best = max(sign * trend.slope_low, sign * trend.slope_high)
    worst = min(sign * trend.slope_low, sign * trend.slope_high)
    return Forecast(
        reached_in=periods_to_reach(gap, sign * trend.slope),
        earliest=periods_to_reach(gap, best),
        latest=periods_to_reach(gap, worst),
    )
