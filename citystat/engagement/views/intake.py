"""Questions from programs: the JSON API and signed webhooks from social-media tools."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from citystat.accounts.context import client_ip
from citystat.accounts.ratelimit import check_rate, too_many_requests
from citystat.engagement.intake import Intake, QuestionRefused, decode_text, receive_question
from citystat.engagement.models import Question
from citystat.engagement.views.public import (
    QUESTIONS_PER_EMAIL,
    QUESTIONS_PER_IP,
    subjects_from,
)
from citystat.engagement.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

LARGEST_BODY = 16 * 1024
API_FIELDS = {"text", "name", "email", "neighborhood", "meeting", "goal", "measure"}
WEBHOOK_FIELDS = {"id", "text", "author", "url", "neighborhood"}
# Each webhook source may deliver this many questions a minute (a busy livestream chat).
WEBHOOK_PER_MINUTE = 120


def refuse(status: int, field: str, message: str, text: str = "") -> JsonResponse:
    """Answer with the reason and, for a refused question, the text as it was received."""
    body: dict[str, Any] = {"error": True, "field": field, "message": message}
    if text:
        body["text"] = text
    return JsonResponse(body, status=status)


def read_object(request: HttpRequest, allowed: set[str]) -> dict[str, Any] | JsonResponse:
    if request.content_type != "application/json":
        return refuse(415, "", "Send the question as JSON (Content-Type: application/json).")
    if len(request.body) > LARGEST_BODY:
        return refuse(413, "", f"The body is over {LARGEST_BODY:,} bytes.")
    try:
        document = json.loads(decode_text(request.body))
    except ValueError:
        return refuse(400, "", "The body is not valid JSON.")
    if not isinstance(document, dict):
        return refuse(400, "", "The body must be a JSON object.")
    typed: str = document["text"] if isinstance(document.get("text"), str) else ""
    unknown = sorted(set(document) - allowed)
    if unknown:
        message = f"Unknown field {unknown[0]!r}; allowed: {sorted(allowed)}."
        return refuse(400, unknown[0], message, typed)
    for key, value in document.items():
        if key in ("meeting",) and not (value is None or isinstance(value, int)):
            return refuse(400, key, f"{key!r} must be a meeting's number.", typed)
        if key not in ("meeting",) and not (value is None or isinstance(value, str)):
            return refuse(400, key, f"{key!r} must be a string.", typed)
    return document


@csrf_exempt
@require_POST
def api_question(request: HttpRequest) -> HttpResponse:
    """Take a question as JSON; it waits for moderation like any other (docs/engagement.md)."""
    decision = check_rate(request, "questions", *QUESTIONS_PER_IP)
    if not decision.allowed:
        return too_many_requests(request, decision)
    document = read_object(request, API_FIELDS)
    if isinstance(document, JsonResponse):
        return document
    email = str(document.get("email") or "").strip().lower()
    if email:
        decision = check_rate(request, "questions-email", *QUESTIONS_PER_EMAIL, key=email)
        if not decision.allowed:
            return too_many_requests(request, decision)
    text = str(document.get("text") or "")
    subjects = subjects_from(document)
    for name in ("meeting", "goal", "measure"):
        if document.get(name) not in (None, "") and subjects[name] is None:
            return refuse(400, name, f"No public {name} {document[name]!r}.", text)
    intake = Intake(
        text=text,
        channel=Question.Channel.API,
        name=str(document.get("name") or ""),
        contact_email=email,
        neighborhood=str(document.get("neighborhood") or ""),
        submitted_ip=client_ip(request),
        meeting_id=getattr(subjects["meeting"], "pk", None),
        goal_id=getattr(subjects["goal"], "pk", None),
        measure_id=getattr(subjects["measure"], "pk", None),
    )
    try:
        question = receive_question(intake)
    except QuestionRefused as refusal:
        return refuse(400, refusal.field, refusal.message, text)
    return JsonResponse({"id": question.pk, "state": question.state}, status=201)


@csrf_exempt
@require_POST
def webhook_question(request: HttpRequest, source: str) -> HttpResponse:
    """Take a signed social post; a wrong, missing or stale signature stores nothing."""
    verdict = verify(
        source,
        request.body,
        request.headers.get(SIGNATURE_HEADER, ""),
        request.headers.get(TIMESTAMP_HEADER, ""),
    )
    if not verdict.ok:
        return refuse(verdict.status, "signature", verdict.reason)
    decision = check_rate(request, "questions-webhook", WEBHOOK_PER_MINUTE, 60, key=source)
    if not decision.allowed:
        return too_many_requests(request, decision)
    document = read_object(request, WEBHOOK_FIELDS)
    if isinstance(document, JsonResponse):
        return document
    post_id = str(document.get("id") or "")
    if not post_id or len(post_id) > 200:
        return refuse(400, "id", "Each post needs its own id (up to 200 characters).")
    text = str(document.get("text") or "")
    try:
        question = receive_question(
            Intake(
                text=text,
                channel=Question.Channel.WEBHOOK,
                name=str(document.get("author") or "")[:120],
                neighborhood=str(document.get("neighborhood") or ""),
                source=source,
                external_id=post_id,
                external_url=str(document.get("url") or "")[:500],
            )
        )
    except QuestionRefused as refusal:
        return refuse(400, refusal.field, refusal.message, text)
    return JsonResponse({"id": question.pk, "state": question.state}, status=202)
