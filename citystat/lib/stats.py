"""Survey statistics: shares with Wilson intervals, weights, and differences between waves.

In lib because plan measures computed from a survey carry the same intervals as the
survey pages (citystat.plan.compute) and plan sits below surveys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054
# Fewer respondents than this are never shown, anywhere, so no answer points to a person.
ANONYMITY_MINIMUM = 5


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def wilson_interval(share: float, sample_size: float, z: float = Z_95) -> Interval:
    """Return the Wilson score interval for a share observed in `sample_size` answers.

    `sample_size` may be an effective (fractional) size from weighted data. With no
    answers at all the interval is the whole range [0, 1].
    """
    if sample_size <= 0:
        return Interval(0.0, 1.0)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a share must lie between 0 and 1, not {share}")
    z_squared = z * z
    denominator = 1 + z_squared / sample_size
    centre = (share + z_squared / (2 * sample_size)) / denominator
    half_width = (
        z
        * math.sqrt(share * (1 - share) / sample_size + z_squared / (4 * sample_size**2))
        / denominator
    )
    # Rounding can put a bound a hair past the observed share at 0 or 1; clamp it back.
    low = max(0.0, min(share, centre - half_width))
    high = min(1.0, max(share, centre + half_width))
    return Interval(low, high)


def effective_sample_size(weight_sum: float, weight_square_sum: float) -> float:
    """Return Kish's effective sample size (Σw)² / Σw² for weighted answers."""
    if weight_square_sum <= 0:
        return 0.0
    return weight_sum * weight_sum / weight_square_sum


def difference_interval(
    earlier: float, earlier_size: float, later: float, later_size: float, z: float = Z_95
) -> Interval:
    """Return the 95% interval of `later − earlier` for two independent shares.

    Newcombe's hybrid score method (his method 10) combines the two Wilson intervals; it
    keeps its coverage near 95% for small samples and shares near 0 or 1, where the plain
    normal approximation does not.
    """
    first = wilson_interval(earlier, earlier_size, z)
    second = wilson_interval(later, later_size, z)
    difference = later - earlier
    return Interval(
        difference - math.sqrt((later - second.low) ** 2 + (first.high - earlier) ** 2),
        difference + math.sqrt((second.high - later) ** 2 + (earlier - first.low) ** 2),
    )
