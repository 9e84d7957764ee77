"""Plain rows of measures and values for the CLI, CSV and JSON (`citystat measures/values`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import status_for


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
    """Return the measure's values per period, overall or per value of breakdown `by`."""
    rows: list[dict[str, Any]] = []
    for value in MeasureValue.objects.filter(measure=measure, breakdown=by).order_by(
        "period_start", "breakdown_value"
    ):
        row: dict[str, Any] = {
            "period": value.period,
            "period_start": value.period_start.isoformat(),
            "period_end": value.period_end.isoformat(),
            "value": value.value,
            "numerator": value.numerator,
            "denominator": value.denominator,
            "partial": value.is_partial,
            "note": value.source_note,
        }
        if measure.spec.get("survey"):
            # Survey measures: the 95% interval and respondents (empty for small groups).
            row |= {"ci_lower": value.ci_lower, "ci_upper": value.ci_upper, "ci_n": value.ci_n}
        if by:
            row[by] = value.breakdown_value
        rows.append(row)
    return rows
