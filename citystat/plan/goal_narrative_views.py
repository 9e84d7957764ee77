"""Staff pages of goal narratives: write one for review, approve or return it
(docs/plan.md, "Goal narratives")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.plan.editor_views import goal_of
from citystat.plan.forms import GoalNarrativeForm
from citystat.plan.goal_narratives import narrative_history, save_goal_narrative
from citystat.plan.models import GoalNarrative
from citystat.plan.review import APPROVE, ReviewRefused, review


# Department editors reach only a goal wholly their department's (plan/apps.py,
# goal_department); a goal shared by departments is the performance office's.
@staff_required("plan.add_goalnarrative", scoped=goal_of)
def goal_narratives(request: HttpRequest, area: str, goal: str) -> HttpResponse:
    """List the goal's narratives with their review state and history; save one."""
    row = goal_of(request, area, goal)
    form = GoalNarrativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        narrative = save_goal_narrative(
            row, request.user, data["period"], data, form.translations()
        )
        messages.success(
            request,
            _(
                "Saved the %(period)s narrative as a draft: it is public once the performance "
                "office approves it."
            )
            % {"period": narrative.period},
        )
        return redirect("staff-plan-goal-narratives", area=area, goal=goal)
    narratives = [(n, narrative_history(n)) for n in row.narratives.select_related("reviewed_by")]
    context = {"goal": row, "form": form, "narratives": narratives}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "plan/staff/editor/goal_narratives.html", context, status=status)


@require_POST
@staff_required("plan.approve_narrative")
def goal_narrative_review(request: HttpRequest, area: str, goal: str, period: str) -> HttpResponse:
    """Approve a goal narrative (public from now on) or return it with comments."""
    narrative = get_object_or_404(GoalNarrative, goal=goal_of(request, area, goal), period=period)
    decision = request.POST.get("decision", "")
    try:
        review(narrative, request.user, decision, request.POST.get("comment", ""))
    except ReviewRefused as refusal:
        messages.error(
            request,
            _("The %(period)s narrative was not reviewed: %(why)s")
            % {"period": period, "why": refusal},
        )
    else:
        done = (
            _("The %(period)s narrative is approved; it is public now.")
            if decision == APPROVE
            else _("The %(period)s narrative is returned with comments.")
        )
        messages.success(request, done % {"period": period})
    return redirect("staff-plan-goal-narratives", area=area, goal=goal)
