"""The approved goal narrative, for the public goal page (public/_goal_narrative.html)."""

from __future__ import annotations

from django import template

from citystat.plan.goal_narratives import public_goal_narrative
from citystat.plan.models import Goal, GoalNarrative

register = template.Library()


@register.simple_tag
def approved_goal_narrative(goal: Goal) -> GoalNarrative | None:
    """Return the goal's approved narrative whose period ends last; drafts never."""
    return public_goal_narrative(goal)
