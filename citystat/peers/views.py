"""The public "How we compare" pages: a measure beside its peers, and every such measure."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.city.models import CityProfile
from citystat.peers.compare import Comparison, comparison_for, dot_plot, ranked_comparisons
from citystat.peers.models import Peer
from citystat.plan.models import Measure


def panel_context(measure: Measure) -> dict[str, object]:
    comparison = comparison_for(measure, public_only=True)
    city = CityProfile.current().name
    spec = dot_plot(comparison, city) if comparison else None
    return {
        "measure": measure,
        "comparison": comparison,
        "city_name": city,
        "chart_json": json.dumps(spec) if spec else "",
        "failed_peers": failed_peers(comparison),
    }


def failed_peers(comparison: Comparison | None) -> list[Peer]:
    """Return the peers on the panel whose last refresh failed (their figures are older)."""
    if comparison is None:
        return []
    return [figure.peer for figure in comparison.figures if figure.is_stale]


def public_measure(slug: str) -> Measure:
    measure = Measure.objects.filter(slug=slug, is_public=True).first()
    if measure is None:
        raise Http404("No such measure.")
    return measure


@require_safe
def measure_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The panel alone, which the measure page loads into itself."""
    return render(request, "peers/_panel.html", panel_context(public_measure(slug)))


@require_safe
def measure_comparison(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "peers/measure.html", panel_context(public_measure(slug)))


@require_safe
def compare_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "peers/compare.html",
        {
            "comparisons": ranked_comparisons(public_only=True),
            "city_name": CityProfile.current().name,
        },
    )
