"""What changed in the plan and why: the target history residents see beside a measure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citystat.plan import display
from citystat.plan.models import Measure, Plan, Target

# The change reason of a target the plan file set when it first created the plan
# (citystat/plan/documents.py, write_plan): its history reads "set when the plan was
# adopted (FY2018)", the plan's first year, rather than the day of the import.
ADOPTED_REASON = "set when the plan was adopted"
# The change reason the plan file gives a target it changes without one of its own
# (documents.py): the site's words, so pages translate it, unlike a reason staff wrote.
PLAN_FILE_REASON = "set by the plan file"


@dataclass(frozen=True)
class TargetChange:
    fiscal_year: int
    before: float | None  # None when the target was first set
    after: float | None  # None when the target was removed
    changed_at: dt.datetime
    changed_by: str
    reason: str
    adopted_in: int | None = None  # the plan's first fiscal year, for a target set then

    @property
    def verb(self) -> str:
        if self.before is None:
            return "adopted" if self.adopted_in is not None else "set"
        if self.after is None:
            return "removed"
        if self.after == self.before:
            return "restated"
        return "raised" if self.after > self.before else "lowered"


def target_history(measure: Measure) -> list[TargetChange]:
    """Return every change of the measure's targets, oldest first."""
    changes: list[TargetChange] = []
    last: dict[int, float | None] = {}
    first_year = (
        Plan.objects.filter(priority_areas__goals__objectives__measures=measure)
        .values_list("first_fiscal_year", flat=True)
        .first()
    )
    records = Target.history.filter(measure_id=measure.pk).order_by("history_date", "history_id")
    for record in records.select_related("history_user"):
        before = last.get(record.fiscal_year)
        after = None if record.history_type == "-" else record.value
        if record.history_type == "~" and before == after:
            continue  # a save that changed only the note or tolerance is not a new goalpost
        last[record.fiscal_year] = after
        user = record.history_user
        adopted = before is None and record.history_change_reason == ADOPTED_REASON
        changes.append(
            TargetChange(
                fiscal_year=record.fiscal_year,
                before=before,
                after=after,
                changed_at=record.history_date,
                changed_by=user.get_full_name() or user.get_username() if user else "",
                reason="" if adopted else record.history_change_reason or "",
                adopted_in=first_year if adopted else None,
            )
        )
    return changes


# TargetChange.verb → its whole sentence, so translators never glue pieces together.
SENTENCES = {
    "set": gettext_lazy("FY%(year)s target set at %(after)s on %(day)s"),
    "adopted": gettext_lazy(
        "FY%(year)s target set at %(after)s when the plan was adopted (FY%(first)s)"
    ),
    "removed": gettext_lazy("FY%(year)s target of %(before)s removed on %(day)s"),
    "restated": gettext_lazy("FY%(year)s target restated from %(before)s to %(after)s on %(day)s"),
    "raised": gettext_lazy("FY%(year)s target raised from %(before)s to %(after)s on %(day)s"),
    "lowered": gettext_lazy("FY%(year)s target lowered from %(before)s to %(after)s on %(day)s"),
}


def describe(change: TargetChange, unit: str = "") -> str:
    """Return one sentence such as "FY2026 target lowered from 95% to 90% on 3 June 2025 …".

    In the reader's language: each kind of change is its own whole sentence to translate.
    """
    words = {
        "year": change.fiscal_year,
        "day": display.date_text(change.changed_at),
        "before": display.target_text(change.before, unit) if change.before is not None else "",
        "after": display.target_text(change.after, unit) if change.after is not None else "",
        "first": change.adopted_in or "",
    }
    sentence = str(SENTENCES[change.verb]) % words
    if change.reason == PLAN_FILE_REASON:
        return _("%(sentence)s, by the plan file.") % {"sentence": sentence}
    if change.reason:
        # The reason is the city's own words, kept as written.
        return _("%(sentence)s because %(reason)s.") % {
            "sentence": sentence,
            "reason": change.reason.rstrip("."),
        }
    return _("%(sentence)s.") % {"sentence": sentence}
