"""Staff pages for meetings: the list, one meeting (details, agenda, attendees), series."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import refuse, staff_required
from citystat.meetings import agenda as agendas
from citystat.meetings.agenda import AgendaError, meetings_missing_agenda
from citystat.meetings.cadence import (
    CadenceError,
    assign_rotation,
    cancel_meeting,
    mark_held,
    schedule_series,
)
from citystat.meetings.forms import (
    AgendaItemForm,
    AgendaItemTextForm,
    AttendeeForm,
    CancelForm,
    FollowUpForm,
    GenerateForm,
    MeetingForm,
    SeriesForm,
)
from citystat.meetings.models import AgendaItem, Attendee, Meeting, MeetingSeries

VIEW = "meetings.view_meeting"
CHANGE = "meetings.change_meeting"


def meeting_of(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("priority_area", "series"), pk=pk)


@staff_required(VIEW)
def meeting_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        # A meeting marked held has taken place, even before its planned end.
        "upcoming": Meeting.objects.filter(ends_at__gt=now)
        .exclude(status=Meeting.Status.HELD)
        .select_related("priority_area"),
        "past": Meeting.objects.filter(Q(ends_at__lte=now) | Q(status=Meeting.Status.HELD))
        .select_related("priority_area")
        .order_by("-starts_at")[:12],
        "missing_agenda": meetings_missing_agenda(now),
        "series_list": MeetingSeries.objects.all(),
        "generate_form": GenerateForm(),
    }
    return render(request, "meetings/staff/list.html", context)


@staff_required("meetings.add_meeting")
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = form.save()
        agendas.draft_agenda(meeting)
        messages.success(request, "Meeting added; its agenda is drafted from the plan.")
        return redirect("meetings:staff-meeting", meeting.pk)
    return render(request, "meetings/staff/meeting_form.html", {"form": form})


@staff_required(VIEW)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    form = MeetingForm(instance=meeting)
    if request.method == "POST":
        if not request.user.has_perm(CHANGE):
            return refuse(request, "Your role does not allow this.")
        form = MeetingForm(request.POST, instance=meeting)
        if form.is_valid():
            form.save()
            if meeting.series:
                assign_rotation(meeting.series)
            messages.success(request, "Meeting saved.")
            return redirect("meetings:staff-meeting", pk)
    return render(request, "meetings/staff/meeting.html", meeting_context(meeting, form))


def meeting_context(meeting: Meeting, form: MeetingForm) -> dict[str, object]:
    now = timezone.now()
    return {
        "meeting": meeting,
        "form": form,
        "items": meeting.agenda_items.select_related("measure", "follow_up"),
        "item_form": AgendaItemForm(),
        "attendees": meeting.attendees.select_related("department"),
        "attendee_form": AttendeeForm(),
        "follow_ups": meeting.follow_ups.select_related("department", "owner"),
        "follow_up_form": FollowUpForm(meeting=meeting),
        "cancel_form": CancelForm(),
        "agenda_warning": meeting in meetings_missing_agenda(now),
        "is_past": meeting.starts_at <= now,
    }


@require_POST
@staff_required(CHANGE)
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    form = CancelForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        cancel_meeting(meeting, note)
        messages.success(request, "Meeting cancelled; its area passes to the next meeting.")
    except CadenceError as error:
        messages.error(request, str(error))
    return redirect("meetings:staff-meeting", pk)


@require_POST
@staff_required(CHANGE)
def meeting_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    try:
        mark_held(meeting)
        messages.success(request, "Marked as held: the follow-up memo is on the public page.")
    except CadenceError as error:
        messages.error(request, str(error))
    return redirect("meetings:staff-meeting", pk)


@require_POST
@staff_required(CHANGE)
def agenda_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Draft, publish or unpublish the agenda."""
    meeting = meeting_of(request, pk)
    try:
        if action == "draft":
            agendas.draft_agenda(meeting)
            messages.success(request, "Agenda drafted from the plan.")
        elif action == "publish":
            agendas.publish_agenda(meeting)
            public_from = timezone.localtime(meeting.agenda_public_from(), meeting.zone)
            messages.success(
                request,
                f"Agenda published; residents see it from {public_from:%Y-%m-%d %H:%M %Z}.",
            )
        elif action == "unpublish":
            agendas.unpublish_agenda(meeting)
            messages.success(request, "Agenda unpublished.")
        else:
            raise Http404("No such agenda action.")
    except AgendaError as error:
        messages.error(request, str(error))
    return redirect("meetings:staff-meeting", pk)


@require_POST
@staff_required(CHANGE)
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        item = form.save(commit=False)
        item.meeting = meeting
        item.position = meeting.agenda_items.count()
        item.save()
        return agenda_fragment(request, meeting)
    context = meeting_context(meeting, MeetingForm(instance=meeting))
    context["item_form"] = form
    return render(request, "meetings/staff/meeting.html", context, status=400)


@require_POST
@staff_required(CHANGE)
def agenda_item_change(request: HttpRequest, pk: int, item_pk: int, action: str) -> HttpResponse:
    """Move an agenda item up or down, edit or remove it; answers htmx with the new list."""
    meeting = meeting_of(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    if action == "up":
        agendas.move_item(item, -1)
    elif action == "down":
        agendas.move_item(item, 1)
    elif action == "remove":
        item.delete()
    elif action == "edit":
        form = AgendaItemTextForm(request.POST, instance=item)
        if form.is_valid():
            form.save()
        else:
            problems = "; ".join(
                f"{name}: {' '.join(str(error) for error in errors)}"
                for name, errors in form.errors.items()
            )
            messages.error(request, f"The item was not changed ({problems}).")
    else:
        raise Http404("No such agenda item action.")
    return agenda_fragment(request, meeting)


def agenda_fragment(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if request.headers.get("HX-Request"):
        items = meeting.agenda_items.select_related("measure", "follow_up")
        return render(
            request, "meetings/staff/_agenda_editor.html", {"meeting": meeting, "items": items}
        )
    return redirect("meetings:staff-meeting", meeting.pk)


@require_POST
@staff_required(CHANGE)
def attendee_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_of(request, pk)
    form = AttendeeForm(request.POST)
    if form.is_valid():
        attendee = form.save(commit=False)
        attendee.meeting = meeting
        attendee.save()
        return redirect("meetings:staff-meeting", pk)
    context = meeting_context(meeting, MeetingForm(instance=meeting))
    context["attendee_form"] = form
    return render(request, "meetings/staff/meeting.html", context, status=400)


@require_POST
@staff_required(CHANGE)
def attendee_remove(request: HttpRequest, pk: int, attendee_pk: int) -> HttpResponse:
    get_object_or_404(Attendee, pk=attendee_pk, meeting_id=pk).delete()
    return redirect("meetings:staff-meeting", pk)


@require_POST
@staff_required("meetings.add_meeting")
def series_generate(request: HttpRequest) -> HttpResponse:
    """Give every active series its next N meetings (N from the form), agendas drafted."""
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "How many meetings ahead: " + " ".join(str(e) for e in form.errors.get("ahead", [])),
        )
        return redirect("meetings:staff-meetings")
    active = list(MeetingSeries.objects.filter(is_active=True))
    if not active:
        messages.error(request, "No active series: add one first.")
    for series in active:
        try:
            done = schedule_series(series, ahead=form.cleaned_data["ahead"])
        except CadenceError as error:
            messages.error(request, f"{series.title}: {error}")
            continue
        messages.success(request, done.summary())
    return redirect("meetings:staff-meetings")


@staff_required("meetings.add_meeting")
def series_new(request: HttpRequest) -> HttpResponse:
    """Add a series; its next meetings are generated (agendas drafted) as it is saved."""
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            series = form.save()
            done = schedule_series(series, ahead=GenerateForm.base_fields["ahead"].initial)
        messages.success(request, f"Series added. {done.summary()}")
        return redirect("meetings:staff-series", series.slug)
    return render(request, "meetings/staff/series_form.html", {"form": form, "series": None})


@staff_required(VIEW)
def series_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a series; meetings it lacks are generated, the rotation is applied again."""
    series = get_object_or_404(MeetingSeries, slug=slug)
    form = SeriesForm(instance=series)
    if request.method == "POST":
        if not request.user.has_perm(CHANGE):
            return refuse(request, "Your role does not allow this.")
        form = SeriesForm(request.POST, instance=series)
        if form.is_valid():
            with transaction.atomic():
                series = form.save()
                assign_rotation(series)
                done = schedule_series(series, ahead=GenerateForm.base_fields["ahead"].initial)
            messages.success(request, f"Series saved. {done.summary()}")
            return redirect("meetings:staff-series", series.slug)
    context = {
        "form": form,
        "series": series,
        "meetings": series.meetings.filter(starts_at__gt=timezone.now())
        .select_related("priority_area")
        .order_by("starts_at")[:12],
    }
    return render(request, "meetings/staff/series_form.html", context)
