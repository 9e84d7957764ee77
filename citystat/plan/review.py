"""The performance office's review of narratives: approve (public from then on) or return
with comments (the department sees them in "what needs me" and edits the draft).

Only `plan.approve_narrative` reviews (the performance office and administrators); a
department editor writes and edits, never approves their own words.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from citystat.lib.errors import CitystatError
from citystat.plan.models import GoalNarrative, Narrative

AnyNarrative = TypeVar("AnyNarrative", Narrative, GoalNarrative)

APPROVE = "approve"
RETURN = "return"


class ReviewRefused(CitystatError):
    """The review cannot be made as asked; the message says why and nothing changed."""


@transaction.atomic
def review(
    narrative: AnyNarrative, reviewer: Any, decision: str, comment: str = ""
) -> AnyNarrative:
    """Approve a measure's or a goal's `narrative`, or return it with `comment`; raise
    ReviewRefused saying why not."""
    if not reviewer.has_perm("plan.approve_narrative"):
        raise ReviewRefused("Only the performance office approves or returns narratives.")
    comment = comment.strip()
    locked = type(narrative).objects.select_for_update().get(pk=narrative.pk)
    if decision == APPROVE:
        locked.state = Narrative.State.APPROVED
        locked.review_comment = comment
        reason = "approved"
    elif decision == RETURN:
        if not comment:
            raise ReviewRefused(
                "Say what should change: a narrative is returned with comments for its writer."
            )
        locked.state = Narrative.State.RETURNED
        locked.review_comment = comment
        reason = f"returned: {comment}"[:100]
    else:
        raise ReviewRefused(f"{decision!r} is not a review decision; use approve or return.")
    locked.reviewed_by, locked.reviewed_at = reviewer, timezone.now()
    locked._change_reason = reason  # type: ignore[attr-defined]
    locked.save()
    return locked
