"""One dictionary of a measure's values for every format that publishes them.

The REST API (`api/rest/serializers.py`), the measure page's CSV and JSON downloads
(`public/plan_pages.py`) and the staff's value listings read their columns from here, so
a column added to a stored value reaches every format at once and no two formats name
one thing differently (`partial` in one and `is_partial` in the other, intervals in one
and not the other).
"""

from __future__ import annotations

from typing import Any

from citystat.plan.models import MeasureValue

# In the order a table shows them: the period, the breakdown, the value and its parts,
# whether the period is still running, the survey interval, and where the value came from.
PUBLISHED_FIELDS: tuple[str, ...] = (
    "period",
    "period_start",
    "period_end",
    "breakdown",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "is_partial",
    "ci_lower",
    "ci_upper",
    "ci_n",
    "origin",
    "source_note",
)


def value_record(value: MeasureValue) -> dict[str, Any]:
    """Return a stored value as the published formats carry it (days as ISO 8601 text)."""
    record: dict[str, Any] = {name: getattr(value, name) for name in PUBLISHED_FIELDS}
    record["period_start"] = value.period_start.isoformat()
    record["period_end"] = value.period_end.isoformat()
    return record
