"""Pick your priorities: the ballot page and the results beside the resident survey's."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from citystat.accounts.ratelimit import check_rate, too_many_requests
from citystat.city.places import places
from citystat.engagement.models import PriorityRound
from citystat.engagement.priorities import (
    DIFFICULTY_BITS,
    BallotRefused,
    cast_ballot,
    check_proof,
    has_voted,
    issue_challenge,
    round_choices,
)

VOTER_COOKIE = "citystat_voter"
# Ballots from one address: a household or a library computer, not a script.
BALLOTS_PER_IP = (10, 3600)


def current_round() -> PriorityRound | None:
    return PriorityRound.objects.filter(is_open=True).order_by("-opened_at", "-pk").first()


def pick(request: HttpRequest) -> HttpResponseBase:
    priority_round = current_round()
    token = request.get_signed_cookie(VOTER_COOKIE, default="", salt=VOTER_COOKIE) or ""
    choices = round_choices(priority_round) if priority_round else []
    context = {
        "round": priority_round,
        "choices": choices,
        "districts": [place.name for place in places("district")],
        "difficulty": DIFFICULTY_BITS,
        "error": "",
        "posted": request.POST,
        "voted": bool(priority_round and has_voted(priority_round, token)),
    }
    status = 200
    if request.method == "POST" and priority_round is not None:
        decision = check_rate(request, "priorities", *BALLOTS_PER_IP)
        if not decision.allowed:
            return too_many_requests(request, decision)
        size = len(choices)
        ranking = [request.POST.get(f"rank_{position}", "") for position in range(1, size + 1)]
        try:
            check_proof(request.POST.get("challenge", ""), request.POST.get("proof", ""))
            cast_ballot(priority_round, token, ranking, request.POST.get("district", ""))
            context["voted"] = True
            context["thanks"] = True
        except BallotRefused as refusal:
            context["error"] = str(refusal)
            status = 400
    context["challenge"] = issue_challenge()
    response = render(request, "engagement/pick.html", context, status=status)
    if not token:
        token = secrets.token_urlsafe(24)
        response.set_signed_cookie(
            VOTER_COOKIE,
            token,
            salt=VOTER_COOKIE,
            max_age=365 * 86400,
            httponly=True,
            samesite="Lax",
        )
    return response
