"""Staff pages for follow-ups: capture (from the meeting screen), the list, one follow-up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from citystat.accounts.backends import department_ids_of
from citystat.accounts.decorators import staff_required
from citystat.meetings.followups import FollowUpError, change_status, history_of
from citystat.meetings.forms import CommentForm, FollowUpForm, FollowUpStatusForm
from citystat.meetings.models import FollowUp, FollowUpComment, Meeting


def staff_user(request: HttpRequest) -> Any:
    """Return the signed-in person (staff_required has already turned anyone else away)."""
    return request.user


def follow_up_of(request: HttpRequest, pk: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.select_related("meeting", "department"), pk=pk)


@require_POST
@staff_required("meetings.add_followup")
def capture(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up during the meeting; htmx swaps in a fresh form and the new row."""
    meeting = get_object_or_404(Meeting, pk=pk)
    form = FollowUpForm(request.POST, meeting=meeting)
    if form.is_valid():
        record_follow_up(form, meeting)
        form = FollowUpForm(meeting=meeting)
        status = 201
    else:
        status = 422 if request.headers.get("HX-Request") else 400
    if not request.headers.get("HX-Request") and status == 201:
        messages.success(request, "Follow-up recorded.")
        return redirect("meetings:staff-meeting-screen", pk)
    context = {
        "meeting": meeting,
        "form": form,
        "follow_ups": meeting.follow_ups.select_related("department"),
    }
    return render(request, "meetings/staff/_capture.html", context, status=status)


def record_follow_up(form: FollowUpForm, meeting: Meeting) -> FollowUp:
    """Save the captured follow-up once per form token; a repeat returns the first one."""
    token = form.cleaned_data.get("submission") or None
    if token:
        earlier = FollowUp.objects.filter(submission_token=token, meeting=meeting).first()
        if earlier is not None:
            return earlier
    follow_up: FollowUp = form.save(commit=False)
    follow_up.meeting = meeting
    follow_up.submission_token = token
    try:
        # Its own savepoint: two clicks racing past the check above meet the unique token.
        with transaction.atomic():
            follow_up.save()
    except IntegrityError:
        earlier = FollowUp.objects.filter(submission_token=token, meeting=meeting).first()
        if earlier is None:
            raise
        return earlier
    return follow_up


@staff_required("meetings.view_followup")
def follow_up_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "mine")
    follow_ups = FollowUp.objects.select_related("meeting", "department", "owner")
    if show == "mine":
        mine = Q(owner=request.user) | Q(department__in=department_ids_of(request.user))
        follow_ups = follow_ups.filter(mine)
    if show in ("mine", "open"):
        follow_ups = follow_ups.filter(
            status__in=[FollowUp.Status.OPEN, FollowUp.Status.IN_PROGRESS]
        )
    if show == "overdue":
        follow_ups = follow_ups.filter(
            status__in=[FollowUp.Status.OPEN, FollowUp.Status.IN_PROGRESS],
            due_on__lt=timezone.localdate(),
        )
    return render(
        request,
        "meetings/staff/follow_ups.html",
        {"follow_ups": follow_ups.order_by("due_on", "pk"), "show": show},
    )


@staff_required("meetings.view_followup")
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_of(request, pk)
    return render(request, "meetings/staff/follow_up.html", follow_up_context(request, follow_up))


def follow_up_context(request: HttpRequest, follow_up: FollowUp, **forms: object) -> dict[str, Any]:
    return {
        "follow_up": follow_up,
        "may_change": request.user.has_perm("meetings.change_followup", follow_up),
        "status_form": forms.get("status_form")
        or FollowUpStatusForm(initial={"status": follow_up.status}),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "comments": follow_up.comments.select_related("author"),
        "history": history_of(follow_up),
    }


@require_POST
@staff_required("meetings.change_followup", scoped=follow_up_of)
def follow_up_status(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_of(request, pk)
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        try:
            change_status(
                follow_up,
                form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(request, f"Now {follow_up.get_status_display().lower()}.")
            return redirect("meetings:staff-follow-up", pk)
        except FollowUpError as error:
            form.add_error("status", str(error))
    context = follow_up_context(request, follow_up, status_form=form)
    return render(request, "meetings/staff/follow_up.html", context, status=400)


@require_POST
@staff_required("meetings.change_followup", scoped=follow_up_of)
def follow_up_comment(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_of(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        FollowUpComment.objects.create(
            follow_up=follow_up, author=staff_user(request), text=form.cleaned_data["text"]
        )
        return redirect("meetings:staff-follow-up", pk)
    context = follow_up_context(request, follow_up, comment_form=form)
    return render(request, "meetings/staff/follow_up.html", context, status=400)
