"""Trend and forecast: the recent slope, whether a change is more than normal variation,
and when the target is reached at the current pace (with its uncertainty).

The method is described in docs/measures.md ("Trend and forecast").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# How many recent periods the trend looks at, by grain.
WINDOW = {"month": 24, "quarter": 12, "fiscal_year": 6, "year": 6}
Z95 = 1.96


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
    return Trend(
        slope=float(slope),
        slope_low=float(slope - Z95 * error),
        slope_high=float(slope + Z95 * error),
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
