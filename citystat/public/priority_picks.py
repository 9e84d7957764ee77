"""Pick-your-priorities results beside the resident survey's importance–satisfaction ranking.

The page joins two sibling apps (engagement's ballots, surveys' ratings), which may not
import each other (tests/test_import_direction.py); public may read both.
"""

from __future__ import annotations

from typing import Any

import duckdb
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from citystat.engagement.models import PriorityRound
from citystat.engagement.priorities import tally
from citystat.lib.errors import CitystatError


def survey_priorities() -> list[Any]:
    """Return the newest wave's citywide I-S priorities of the public resident survey."""
    from citystat.surveys.models import Survey
    from citystat.surveys.ratings import priorities, waves

    survey = Survey.objects.filter(kind=Survey.Kind.RESIDENT, is_public=True).first()
    if survey is None:
        return []
    try:
        results = priorities(survey.layout())
    except (CitystatError, LookupError, ValueError, duckdb.Error):
        # A survey registered before its data was published ranks nothing yet.
        return []
    citywide = {wave: rows for (wave, group), rows in results.items() if group is None}
    # The newest wave by survey date: "1QSEP2022" is newer than "3QMAR2022" (waves.py).
    newest = next((wave for wave in reversed(waves(survey.layout())) if wave in citywide), None)
    return citywide[newest] if newest is not None else []


def pick_results(request: HttpRequest) -> HttpResponse:
    priority_round = (
        PriorityRound.objects.filter(is_open=True).order_by("-opened_at", "-pk").first()
        or PriorityRound.objects.order_by("-created_at").first()
    )
    context = {
        "round": priority_round,
        "tally": tally(priority_round) if priority_round else None,
        "survey": survey_priorities(),
    }
    return render(request, "public/pick_results.html", context)
