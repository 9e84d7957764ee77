"""The moderator's pages: the question queue, the live board controls, updates, rounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.engagement import moderation
from citystat.engagement.forms import (
    AnswerForm,
    LiveForm,
    ModerationForm,
    UpdateForm,
    WatchForm,
)
from citystat.engagement.models import (
    AreaKind,
    Mailbox,
    PriorityRound,
    Question,
    Update,
    UpdateArea,
    Watch,
)
from citystat.engagement.panels import board_controls
from citystat.engagement.subscriptions import MAX_FAILURES, queue_delivery, resume
from citystat.meetings.models import Meeting
from citystat.plan.models import Goal

QUEUE_SIZE = 100


def meeting_choices() -> list[Meeting]:
    soon = timezone.now() - dt.timedelta(days=30)
    return list(Meeting.objects.filter(ends_at__gte=soon).order_by("starts_at")[:40])


def goal_choices() -> list[Goal]:
    return list(Goal.objects.filter(priority_area__plan__is_current=True))


@staff_required("engagement.view_question")
def queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", Question.State.PENDING)
    if state not in Question.State.values:
        state = Question.State.PENDING
    questions = Question.objects.filter(state=state).select_related("meeting", "goal", "measure")
    # Flagged questions first: they are the ones a moderator must read with care.
    questions = questions.order_by("-flagged_abusive", "-flagged_spam", "created_at")
    counts = dict(Question.objects.values_list("state").annotate(n=Count("pk")))
    context = {
        "questions": questions[:QUEUE_SIZE],
        "state": state,
        "states": [(value, label, counts.get(value, 0)) for value, label in Question.State.choices],
        "meetings": meeting_choices(),
        "goals": goal_choices(),
    }
    return render(request, "engagement/staff/queue.html", context)


def apply_action(
    question: Question, data: dict[str, Any], translations: dict[str, dict[str, str]] | None = None
) -> str:
    """Do what the moderation form asks; return what to tell the moderator.

    `translations` is the written answer in the city's other languages (AnswerForm)."""
    action = data["action"]
    if action == "approve":
        moderation.approve(question)
        return "Approved: residents can see it."
    if action == "reject":
        moderation.reject(question, data.get("reason") or "")
        return "Rejected."
    if action == "merge":
        into = Question.objects.filter(pk=data.get("merge_into") or 0).first()
        if into is None:
            raise moderation.ModerationError("No question has that number.")
        moderation.merge(question, into)
        return f"Merged into question {into.pk}."
    if action == "assign":
        moderation.assign(question, meeting_id=data.get("meeting"), goal_id=data.get("goal"))
        return "Assigned."
    moderation.answer_in_writing(question, data.get("answer") or "", translations)
    return "Answered: the answer is public."


@staff_required("engagement.change_question")
def question(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = get_object_or_404(Question.objects.select_related("meeting", "goal", "measure"), pk=pk)
    form = ModerationForm(request.POST or None)
    # Bound only to an answer being sent, so a refused answer keeps every language typed
    # and any other action leaves the stored answer in the fields.
    answering = request.method == "POST" and request.POST.get("action") == "answer"
    answer_form = AnswerForm.for_question(found, request.POST if answering else None)
    if request.method == "POST" and form.is_valid() and (not answering or answer_form.is_valid()):
        try:
            translations = answer_form.translations() if answering else None
            messages.success(request, apply_action(found, form.cleaned_data, translations))
            return redirect(back_to(request, "/staff/questions/"))
        except moderation.ModerationError as error:
            form.add_error(None, str(error))
    context = {
        "question": found,
        "form": form,
        "answer_form": answer_form,
        "meetings": meeting_choices(),
        "goals": goal_choices(),
        "duplicates": likely_duplicates(found),
    }
    return render(
        request, "engagement/staff/question.html", context, status=400 if form.errors else 200
    )


def likely_duplicates(question: Question) -> list[Question]:
    """Return other open questions sharing a long word with this one, for merging."""
    words = sorted({w for w in question.text.lower().split() if len(w) > 6}, key=len)[-3:]
    if not words:
        return []
    match = Q()
    for word in words:
        match |= Q(text__icontains=word)
    others = Question.objects.filter(match).exclude(pk=question.pk)
    others = others.exclude(state__in=[Question.State.REJECTED, Question.State.MERGED])
    return list(others.order_by("-created_at")[:5])


def back_to(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@staff_required("engagement.change_question")
@require_POST
def live(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = get_object_or_404(Question, pk=pk)
    form = LiveForm(request.POST)
    fallback = (
        f"/staff/meetings/{found.meeting_id}/questions/"
        if found.meeting_id
        else "/staff/questions/"
    )
    if not form.is_valid():
        messages.error(request, "Choose what to do with the question.")
        return redirect(back_to(request, fallback))
    try:
        action = form.cleaned_data["action"]
        if action == "show":
            moderation.put_on_screen(found)
        elif action == "hide":
            moderation.take_off_screen(found)
        else:
            seconds = moderation.parse_recording_time(form.cleaned_data["recording_time"])
            moderation.answered_live(found, seconds, answer=form.cleaned_data["answer"])
    except moderation.ModerationError as error:
        if form.cleaned_data["action"] == "answered" and found.meeting_id:
            # The typed answer comes back beside the reason, to be shortened or cleaned.
            refused = {
                "pk": found.pk,
                "error": str(error),
                "answer": form.cleaned_data["answer"],
                "recording_time": form.cleaned_data["recording_time"],
            }
            return answer_refused(request, found, refused)
        messages.error(request, str(error))
    return redirect(back_to(request, fallback))


def answer_refused(request: HttpRequest, found: Question, refused: dict[str, Any]) -> HttpResponse:
    """Show the meeting's board controls again with the refused answer kept in its field."""
    meeting = found.meeting
    back = back_to(request, "")
    context = {
        "meeting": meeting,
        "controls": board_controls(request, meeting, refused=refused, next_url=back),
        "back": back,
    }
    return render(request, "engagement/staff/meeting_board.html", context, status=400)


@staff_required("engagement.change_question")
def meeting_board(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    context = {"meeting": meeting, "controls": board_controls(request, meeting)}
    return render(request, "engagement/staff/meeting_board.html", context)


@staff_required("engagement.view_update")
def updates(request: HttpRequest) -> HttpResponse:
    shown = Update.objects.select_related("author").order_by("-created_at")[:100]
    return render(request, "engagement/staff/updates.html", {"updates": shown})


def save_update(form: UpdateForm, user: Any) -> Update:
    with transaction.atomic():
        update = form.save(commit=False)
        update.dataset_filter = form.cleaned_data.get("dataset_filter", [])
        if update.author_id is None and user.is_authenticated:
            update.author = user
        publish = form.cleaned_data.get("publish")
        if publish and update.published_at is None:
            update.published_at = timezone.now()
        elif not publish:
            update.published_at = None
        update.save()
        update.areas.all().delete()
        UpdateArea.objects.bulk_create(
            [
                UpdateArea(update=update, kind=AreaKind.NEIGHBORHOOD, name=name)
                for name in form.cleaned_data.get("neighborhoods", [])
            ]
            + [
                UpdateArea(update=update, kind=AreaKind.DISTRICT, name=name)
                for name in form.cleaned_data.get("districts", [])
            ]
        )
        if update.published_at is not None:
            # Immediate subscribers hear of it once this commits; the ledger keeps a second
            # save of a published update from mailing anyone twice.
            queue_delivery(f"engagement.update:{update.pk}")
    return update


@staff_required("engagement.change_update")
def update_form(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    instance = get_object_or_404(Update, pk=pk) if pk is not None else Update()
    form = UpdateForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        update = save_update(form, request.user)
        messages.success(
            request, "Update saved." + (" It is public." if update.is_published else "")
        )
        return redirect("engagement:staff-updates")
    status = 400 if form.errors else 200
    return render(
        request,
        "engagement/staff/update_form.html",
        {"form": form, "update": instance, "place_fields": ("neighborhoods", "districts")},
        status=status,
    )


@staff_required("engagement.change_priorityround")
def priority_rounds(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "new":
            title = request.POST.get("title", "").strip()
            choices = request.POST.get("choices", PriorityRound.Choices.PRIORITY_AREAS)
            if title and choices in PriorityRound.Choices.values:
                slug = slugify(title)[:70] or "round"
                if PriorityRound.objects.filter(slug=slug).exists():
                    slug = f"{slug}-{PriorityRound.objects.count() + 1}"
                PriorityRound.objects.create(title=title[:200], slug=slug, choices=choices)
            else:
                messages.error(request, "Give the round a title and choose what residents rank.")
        else:
            found = get_object_or_404(PriorityRound, pk=request.POST.get("round") or 0)
            if action == "open":
                found.is_open, found.opened_at = True, timezone.now()
            elif action == "close":
                found.is_open, found.closed_at = False, timezone.now()
            found.save()
        return redirect("engagement:staff-priorities")
    rounds = PriorityRound.objects.annotate(ballot_count=Count("ballots")).order_by("-created_at")
    return render(request, "engagement/staff/priority_rounds.html", {"rounds": rounds})


@staff_required("engagement.view_watch")
def watches(request: HttpRequest) -> HttpResponse:
    shown = Watch.objects.select_related("dataset").annotate(push_count=Count("pushes"))
    return render(request, "engagement/staff/watches.html", {"watches": shown})


@staff_required("engagement.change_watch")
def watch_form(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    instance = get_object_or_404(Watch, pk=pk) if pk is not None else Watch()
    form = WatchForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Watch saved. The next load of its dataset is pushed.")
        return redirect("engagement:staff-watches")
    return render(
        request,
        "engagement/staff/watch_form.html",
        {"form": form, "watch": instance},
        status=400 if form.errors else 200,
    )


@staff_required("engagement.change_mailbox")
def mailboxes(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        email = request.POST.get("email", "")
        if resume(email):
            messages.success(request, f"Mail to {email} resumes with the next digest.")
        else:
            messages.error(request, f"{email or 'That address'} is not paused.")
        return redirect("engagement:staff-mailboxes")
    troubled = Mailbox.objects.filter(failures__gt=0).order_by("paused_at", "email")
    context = {"mailboxes": troubled, "max_failures": MAX_FAILURES}
    return render(request, "engagement/staff/mailboxes.html", context)
