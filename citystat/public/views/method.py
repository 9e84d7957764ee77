"""How we measure: the page that explains the method behind every status and number.

What it shows is worked out in citystat/public/how_we_measure.py.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from citystat.plan.models import Plan
from citystat.public.how_we_measure import change_log, data_freshness, status_rules


@require_safe
def how_we_measure(request: HttpRequest) -> HttpResponse:
    plan = Plan.current()
    page, changes = change_log(plan, request.GET.get("page"))
    return render(
        request,
        "public/how_we_measure.html",
        {
            "plan": plan,
            "rules": status_rules(),
            "freshness": data_freshness(timezone.now()),
            "page": page,
            "changes": changes,
        },
    )
