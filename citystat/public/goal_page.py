"""What a public goal page shows: the goal's strategies with their progress, and its
objectives, each with its published measures (latest value, target and status).

Plain functions over stored plan rows, like citystat/public/plan_pages.py; the view in
plan_bodies.py renders their result through public/_goal_body.html.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from citystat.plan.models import Goal, Measure, Objective, Strategy
from citystat.public.plan_pages import GoalSummary, MeasureCard, goal_summary, public_measures

# The CSS modifier of each strategy progress, so the badge is not told by colour alone:
# the label is always written beside it.
PROGRESS_CSS = {
    Strategy.Progress.PLANNED: "planned",
    Strategy.Progress.UNDER_WAY: "under-way",
    Strategy.Progress.COMPLETE: "complete",
    Strategy.Progress.ON_HOLD: "on-hold",
}


@dataclass
class ObjectiveRow:
    objective: Objective
    cards: list[MeasureCard] = field(default_factory=list)


@dataclass
class StrategyRow:
    strategy: Strategy
    progress_css: str
    owner: str  # the department that runs it, or ""
    measures: list[Measure] = field(default_factory=list)  # public measures it moves


@dataclass
class GoalPage:
    summary: GoalSummary
    objectives: list[ObjectiveRow]
    strategies: list[StrategyRow]


def goal_page(goal: Goal, today: dt.date | None = None) -> GoalPage:
    """Return the goal's summary, its objectives with their public measures, and its strategies.

    Every objective is listed, also one with no published measure yet (the page says so),
    so the plan's shape is the same for residents as in the plan file. A strategy lists
    only the public measures it moves: internal ones are not acknowledged to exist.
    """
    summary = goal_summary(goal, today)
    by_objective: dict[int, list[MeasureCard]] = {}
    for card in summary.cards:
        by_objective.setdefault(card.measure.objective_id, []).append(card)
    objectives = [
        ObjectiveRow(objective, by_objective.get(objective.pk, []))
        for objective in goal.objectives.order_by("position", "title")
    ]
    public = public_measures()
    strategies = [
        StrategyRow(
            strategy=strategy,
            progress_css=PROGRESS_CSS.get(Strategy.Progress(strategy.progress), "planned"),
            owner=strategy.department.name if strategy.department else "",
            measures=list(
                strategy.measures.filter(pk__in=public.values("pk")).order_by(
                    "objective__position", "position"
                )
            ),
        )
        for strategy in goal.strategies.select_related("department").order_by("position", "title")
    ]
    return GoalPage(summary=summary, objectives=objectives, strategies=strategies)
