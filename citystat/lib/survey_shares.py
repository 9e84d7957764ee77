"""A survey share, written once: its parts as Ibis aggregates and its value with interval.

The survey pages (citystat.surveys) and the plan's survey measures (plan.compute) both
compute "the weighted share of respondents who …" with a 95% Wilson interval on Kish's
effective sample size, hiding groups too small to keep respondents anonymous. Both
build the parts here, so every engine sums the same things, and finish them here, so
the pages and the measures can never disagree on a share, an interval or what is hidden.

In lib because plan sits below surveys; it knows Ibis expressions, no model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from citystat.lib.stats import (
    ANONYMITY_MINIMUM,
    Interval,
    effective_sample_size,
    wilson_interval,
)

# The parts a share's aggregates are named by, in rows the engine returns.
NUMERATOR, DENOMINATOR, RESPONDENTS, WEIGHT_SQUARES = (
    "numerator",
    "denominator",
    "respondents",
    "weight_squares",
)


def share_parts(
    met: ir.BooleanValue, count: ir.IntegerScalar, weight: ir.NumericValue | None = None
) -> dict[str, ir.Scalar]:
    """Return the aggregates of a share of rows meeting `met`, weighted by `weight`.

    `count` is the group's count of respondents (`table.count()`, or a count of answers).
    Unweighted, the denominator is that count and no squares are needed: each
    respondent weighs 1, so Kish's size is the count itself.
    """
    indicator = met.ifelse(1, 0)
    if weight is None:
        return {NUMERATOR: indicator.sum(), DENOMINATOR: count, RESPONDENTS: count}
    return {
        NUMERATOR: (indicator * weight).sum(),
        DENOMINATOR: weight.sum(),
        RESPONDENTS: count,
        WEIGHT_SQUARES: (weight * weight).sum(),
    }


@dataclass(frozen=True)
class SurveyShare:
    """A finished share: None (with the reason) when it must not or cannot be shown."""

    respondents: int
    share: float | None
    effective_n: float
    interval: Interval | None
    # "" when shown; SUPPRESSED for too few respondents; NO_WEIGHT when weights add to 0.
    withheld: str = ""


SUPPRESSED = "suppressed"
NO_WEIGHT = "no weight"


def finish_share(
    numerator: float | None,
    denominator: float | None,
    respondents: int | None,
    weight_squares: float | None = None,
    *,
    weighted: bool,
    minimum: int = ANONYMITY_MINIMUM,
) -> SurveyShare:
    """Return the share numerator / denominator with its 95% Wilson interval.

    Fewer respondents than `minimum` withhold the share altogether: not even the small
    count is shown, since "3 of the 4 auditors" would name people. Weighted, the interval
    uses Kish's effective sample size (Σw)² / Σw², so a heavily weighted sample is not
    taken for a larger one than it is. A share is clamped into [0, 1] against rounding.
    """
    count = int(respondents or 0)
    if count < minimum:
        return SurveyShare(count, None, 0, None, SUPPRESSED)
    top, bottom = float(numerator or 0.0), float(denominator or 0.0)
    if bottom <= 0:
        return SurveyShare(count, None, 0, None, NO_WEIGHT)
    size = effective_sample_size(bottom, float(weight_squares or 0.0)) if weighted else bottom
    share = min(1.0, max(0.0, top / bottom))
    return SurveyShare(count, share, size, wilson_interval(share, size))


def finish_parts(
    row: Mapping[str, Any], *, weighted: bool, minimum: int = ANONYMITY_MINIMUM
) -> SurveyShare:
    """Finish a share from a result row holding the parts `share_parts` named."""
    return finish_share(
        row.get(NUMERATOR),
        row.get(DENOMINATOR),
        row.get(RESPONDENTS),
        row.get(WEIGHT_SQUARES),
        weighted=weighted,
        minimum=minimum,
    )
