"""The meeting screen: what staff run the meeting from (current item, charts, capture)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.meetings import hooks
from citystat.meetings.forms import FollowUpForm
from citystat.meetings.models import AgendaItem, Meeting
from citystat.meetings.screen import advance, item_chart


def meeting_of(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("priority_area", "current_item"), pk=pk)


@staff_required("meetings.view_meeting")
def meeting_screen(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    items = list(meeting.agenda_items.select_related("measure", "goal", "follow_up"))
    current = meeting.current_item or (items[0] if items else None)
    context = {
        "meeting": meeting,
        "items": items,
        "current": current,
        "chart": item_chart(current),
        "form": FollowUpForm(meeting=meeting),
        "follow_ups": meeting.follow_ups.select_related("department"),
        "panels": [mark_safe(html) for html in hooks.panels_for(request, meeting, True)],
        "may_advance": request.user.has_perm("meetings.change_meeting"),
        "may_capture": request.user.has_perm("meetings.add_followup"),
    }
    return render(request, "meetings/staff/screen.html", context)


@require_POST
@staff_required("meetings.change_meeting")
def meeting_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the current item: next, previous, or a chosen item (`item`)."""
    meeting = meeting_of(request, pk)
    chosen = request.POST.get("item")
    if chosen and chosen.isdigit():
        item = get_object_or_404(AgendaItem, pk=int(chosen), meeting=meeting)
        meeting.current_item = item
        meeting.save(update_fields=["current_item", "updated_at"])
    else:
        advance(meeting, -1 if request.POST.get("direction") == "back" else 1)
    return redirect("meetings:staff-meeting-screen", pk)
