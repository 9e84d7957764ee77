"""Goal narratives: the story of a goal as a whole, written and reviewed like a measure's.

Saving one makes it a draft waiting for the performance office (plan/review.py approves
or returns it); only approved ones are public, and the goal page shows the one whose
period ends last. Each save and review is a history row with who, when and why.
docs/plan.md, "Goal narratives".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from citystat.lib.periods import PeriodError, parse_period
from citystat.plan.cycle import calendar_of_city
from citystat.plan.models import Goal, GoalNarrative

SAVED_REASON = "saved for review"


def period_end(label: str) -> dt.date:
    """Return the last day of the period `label` names in the city's calendar."""
    try:
        return parse_period(label, calendar_of_city()).end
    except PeriodError:
        return dt.date.min


def public_goal_narrative(goal: Goal) -> GoalNarrative | None:
    """Return the goal's approved narrative whose period ends last (a quarter ending the
    same day as a fiscal year is the shorter, newer story), or None."""
    approved = list(goal.narratives.approved())
    if not approved:
        return None
    return max(approved, key=lambda n: (period_end(n.period), -len(n.period), n.period))


@transaction.atomic
def save_goal_narrative(
    goal: Goal,
    author: Any,
    period: str,
    sections: dict[str, str],
    translations: dict[str, dict[str, str]] | None = None,
) -> GoalNarrative:
    """Write the goal's narrative for `period` (new, or replacing that period's words) as
    a draft for review; `sections` holds context, actions and next_steps, `translations`
    the same in the city's other languages (new words replace the old translations too)."""
    found = GoalNarrative.objects.select_for_update().filter(goal=goal, period=period).first()
    narrative: GoalNarrative = found or GoalNarrative(goal=goal, period=period)
    for name in ("context", "actions", "next_steps"):
        setattr(narrative, name, sections.get(name, "").strip())
    narrative.translations = translations or {}
    narrative.author = author
    narrative.state = GoalNarrative.State.DRAFT
    narrative._change_reason = SAVED_REASON  # type: ignore[attr-defined]
    narrative.save()
    return narrative


@dataclass(frozen=True)
class HistoryLine:
    when: dt.datetime
    who: str
    state: str
    why: str


def narrative_history(narrative: GoalNarrative) -> list[HistoryLine]:
    """Return the narrative's saves and reviews, newest first: who, when, state, why."""
    rows = narrative.history.select_related("history_user").order_by("-history_id")
    return [
        HistoryLine(
            when=row.history_date,
            who=row.history_user.get_username() if row.history_user else "",
            state=str(GoalNarrative.State(row.state).label),
            why=row.history_change_reason or "",
        )
        for row in rows
    ]
