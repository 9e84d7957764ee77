"""Residents' pages: ask a question, the live board, answered questions, updates."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citystat.accounts.context import client_ip
from citystat.accounts.ratelimit import too_many_requests
from citystat.engagement import news
from citystat.engagement.board import board_response
from citystat.engagement.embeds import dataset_rows, measure_card
from citystat.engagement.forms import AskForm
from citystat.engagement.intake import Intake, receive_question
from citystat.engagement.models import Question
from citystat.engagement.queries import public_questions, published_updates
from citystat.engagement.views.limits import form_rate
from citystat.lib.charts import ChartError, inline_svg
from citystat.meetings.models import Meeting
from citystat.plan import revision
from citystat.plan.models import Goal, Measure

# A resident may send a few questions in a row; a script may not (docs/engagement.md).
QUESTIONS_PER_IP = (5, 600)
QUESTIONS_PER_EMAIL = (3, 3600)


def subjects_from(values: Any) -> dict[str, Any]:
    """Return the meeting, goal and measure a question is about, from ids or slugs."""
    found: dict[str, Any] = {"meeting": None, "goal": None, "measure": None}
    meeting = str(values.get("meeting") or "")
    if meeting.isdigit():
        found["meeting"] = Meeting.objects.filter(pk=meeting).first()
    goal = str(values.get("goal") or "")
    if goal:
        found["goal"] = Goal.objects.filter(pk=goal).first() if goal.isdigit() else None
        found["goal"] = found["goal"] or Goal.objects.filter(slug=goal).first()
    measure = str(values.get("measure") or "")
    if measure:
        found["measure"] = Measure.objects.filter(slug=measure, is_public=True).first()
        if found["measure"] is None and measure.isdigit():
            found["measure"] = Measure.objects.filter(pk=measure, is_public=True).first()
    if found["measure"] is not None and found["goal"] is None:
        found["goal"] = found["measure"].objective.goal
    return found


def reported_page(values: Any) -> str:
    """Return the site page a "report a problem" link came from, or "" if it is not one.

    Only a path on this site that resolves to a page is kept: the text is shown back to
    the resident and put into their question, so an address elsewhere never is.
    """
    page = str(values.get("page") or "")
    if not page.startswith("/") or page.startswith("//") or len(page) > 300:
        return ""
    if any(character in page for character in "\\?#\r\n") or not page.isprintable():
        return ""
    try:
        resolve(page)
    except Resolver404:
        return ""
    return page


def ask(request: HttpRequest) -> HttpResponseBase:
    subjects = subjects_from(request.POST if request.method == "POST" else request.GET)
    initial: dict[str, Any] = {name: obj.pk for name, obj in subjects.items() if obj is not None}
    page = reported_page(request.GET)
    if page:
        initial["text"] = _("About the data on %(page)s: ") % {"page": page}
    form = AskForm(request.POST or None, initial=initial)
    if request.method == "POST":
        decision = form_rate(request, "questions", QUESTIONS_PER_IP, QUESTIONS_PER_EMAIL)
        if not decision.allowed:
            return too_many_requests(request, decision)
        if form.is_valid():
            data = form.cleaned_data
            receive_question(
                Intake(
                    text=data["text"],
                    channel=Question.Channel.FORM,
                    name=data["name"],
                    contact_email=data["email"],
                    neighborhood=data["neighborhood"],
                    submitted_ip=client_ip(request),
                    meeting_id=getattr(subjects["meeting"], "pk", None),
                    goal_id=getattr(subjects["goal"], "pk", None),
                    measure_id=getattr(subjects["measure"], "pk", None),
                )
            )
            return redirect("engagement:ask-thanks")
    status = 400 if form.errors else 200
    context = {"form": form, "page": page, **subjects}
    return render(request, "engagement/ask.html", context, status=status)


def ask_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/ask_thanks.html")


def answered_questions(request: HttpRequest) -> HttpResponse:
    answered = public_questions().filter(state=Question.State.ANSWERED)
    answered = answered.select_related("meeting", "goal").order_by("-answered_at")[:100]
    return render(request, "engagement/questions.html", {"questions": answered})


def question(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        public_questions().select_related("meeting", "goal", "measure"), pk=pk
    )
    return render(request, "engagement/question.html", {"question": found})


@require_GET
def board(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Return the live board fragment (LiveBoardMiddleware answers first when installed)."""
    return board_response(request, meeting_id)


def updates(request: HttpRequest) -> HttpResponse:
    shown = published_updates().prefetch_related("areas").order_by("-published_at")[:50]
    return render(request, "engagement/updates.html", {"updates": shown})


def dataset_news(dataset: Any, conditions: list[dict[str, str]]) -> dict[str, Any]:
    """Return what an update shows of its dataset: heading, titled table and one map."""
    embed = dataset_rows(dataset, conditions)
    if embed.problem:
        return {"embed": embed}
    heading = news.plain_heading(dataset, embed.conditions)
    found_map = news.news_map(embed, heading)
    # The points are the map's; the table would only repeat them as numbers.
    leave_out = news.COORDINATES if found_map is not None and not found_map.counts else ()
    context: dict[str, Any] = {
        "embed": embed,
        "heading": heading,
        "table": news.news_table(embed, leave_out),
        "map": found_map,
    }
    if found_map is not None:
        description = str(found_map.spec["description"])
        try:
            # vl-convert escapes the spec's text into the SVG it draws.
            context["map_svg"] = mark_safe(inline_svg(found_map.spec, description))  # noqa: S308
        except ChartError:
            # The browser still draws the spec; without JavaScript the table remains.
            context["map_svg"] = ""
    return context


def cached_dataset_news(dataset: Any, conditions: list[dict[str, str]]) -> dict[str, Any]:
    """Return `dataset_news`, kept until the dataset's next load or any other write to the
    app database (the content stamp): its warehouse reads and drawn map cost most of the
    update page (a second at 10M rows), which the page cache renders again every minute."""
    version = dataset.latest_version
    what = json.dumps([dataset.pk, version.pk if version else None, conditions], default=str)
    key = f"update-news:{revision.content()}:{hashlib.sha256(what.encode()).hexdigest()}"
    return revision.cached_by_revision(key, lambda: dataset_news(dataset, conditions), stamps=())


def update(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(published_updates().select_related("measure", "dataset"), slug=slug)
    context: dict[str, Any] = {"update": found, "areas": list(found.areas.all())}
    if found.measure is not None and found.measure.is_public:
        context["card"] = measure_card(found.measure)
    if found.dataset is not None and found.dataset.is_public:
        context.update(cached_dataset_news(found.dataset, found.dataset_filter))
    return render(request, "engagement/update.html", context)
