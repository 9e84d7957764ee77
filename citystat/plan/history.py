"""What changed in the plan and why: the target history residents see beside a measure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citystat.plan.models import Measure, Target


@dataclass(frozen=True)
class TargetChange:
    fiscal_year: int
    before: float | None  # None when the target was first set
    after: float | None  # None when the target was removed
    changed_at: dt.datetime
    changed_by: str
    reason: str

    @property
    def verb(self) -> str:
        if self.before is None:
            return "set"
        if self.after is None:
            return "removed"
        if self.after == self.before:
            return "restated"
        return "raised" if self.after > self.before else "lowered"


def target_history(measure: Measure) -> list[TargetChange]:
    """Return every change of the measure's targets, oldest first."""
    changes: list[TargetChange] = []
    last: dict[int, float | None] = {}
    records = Target.history.filter(measure_id=measure.pk).order_by("history_date", "history_id")
    for record in records.select_related("history_user"):
        before = last.get(record.fiscal_year)
        after = None if record.history_type == "-" else record.value
        if record.history_type == "~" and before == after:
            continue  # a save that changed only the note or tolerance is not a new goalpost
        last[record.fiscal_year] = after
        user = record.history_user
        changes.append(
            TargetChange(
                fiscal_year=record.fiscal_year,
                before=before,
                after=after,
                changed_at=record.history_date,
                changed_by=user.get_full_name() or user.get_username() if user else "",
                reason=record.history_change_reason or "",
            )
        )
    return changes


def describe(change: TargetChange, unit: str = "") -> str:
    """Return one sentence such as "FY2026 target lowered from 95% to 90% on 3 June 2025 …"."""
    suffix = "%" if unit == "percent" else ""
    day = f"{change.changed_at:%-d %B %Y}"
    if change.before is None:
        sentence = f"FY{change.fiscal_year} target set at {change.after:g}{suffix} on {day}"
    elif change.after is None:
        sentence = f"FY{change.fiscal_year} target of {change.before:g}{suffix} removed on {day}"
    else:
        sentence = (
            f"FY{change.fiscal_year} target {change.verb} from {change.before:g}{suffix} "
            f"to {change.after:g}{suffix} on {day}"
        )
    return f"{sentence} because {change.reason.rstrip('.')}." if change.reason else sentence + "."
