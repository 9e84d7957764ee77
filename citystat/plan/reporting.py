"""Plain rows of measures and values for the CLI, CSV and JSON (`citystat measures/values`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import status_for
from citystat.plan.value_records import value_record


class MeasureRow(TypedDict):
    slug: str
    title: str
    unit: str
    period: str | None
    value: float | None
    target: float | None
    status: str
    status_label: str


def measure_rows(today: dt.date | None = None) -> list[MeasureRow]:
    """Return every measure with its latest period, value, target and status."""
    rows: list[MeasureRow] = []
    for measure in Measure.objects.prefetch_related("targets").order_by(
        "objective__goal__priority_area__plan",
        "objective__goal__priority_area__position",
        "objective__goal__position",
        "objective__position",
        "position",
    ):
        judged = status_for(measure, today=today)
        rows.append(
            {
                "slug": measure.slug,
                "title": measure.title,
                "unit": measure.unit,
                "period": judged.value.period if judged.value else None,
                "value": judged.value.value if judged.value else None,
                "target": judged.target.value if judged.target else None,
                "status": str(judged.status),
                "status_label": str(judged.status.label),
            }
        )
    return rows


def value_rows(measure: Measure, by: str = "") -> list[dict[str, Any]]:
    """Return the measure's values per period, overall or per value of breakdown `by`,
    each with exactly the published columns (plan/value_records.py), as the REST API and
    the measure page's downloads carry them: `is_partial`, `source_note` and the survey
    interval are named the same in every format, and the breakdown is in `breakdown` and
    `breakdown_value` rather than a column named after the field."""
    return [
        value_record(value)
        for value in MeasureValue.objects.filter(measure=measure, breakdown=by).order_by(
            "period_start", "breakdown_value"
        )
    ]
