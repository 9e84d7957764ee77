"""Public pages of the resident survey: what residents say matters and how satisfied they are."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from citystat.accounts.decorators import staff_required
from citystat.peers.compare import survey_comparisons
from citystat.surveys.budget import budget_lines, budget_years, treemap_spec, year_is_closed
from citystat.surveys.charts import district_chart, quadrant_chart
from citystat.surveys.employee import engagement
from citystat.surveys.models import ServiceProfile, Survey
from citystat.surveys.reports import (
    goals_without_resident_priority,
    resident_report,
    service_charts,
    service_profile_evidence,
)


@require_safe
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = Survey.objects.filter(is_public=True, kind=Survey.Kind.RESIDENT)
    return render(request, "surveys/list.html", {"surveys": surveys})


@require_safe
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug, is_public=True, kind=Survey.Kind.RESIDENT)
    report = resident_report(survey)
    streets = report.priorities[0] if report.priorities else None
    context = {
        "survey": survey,
        "report": report,
        "quadrant_spec": quadrant_chart(
            report.priorities,
            _("Importance and satisfaction, %(wave)s") % {"wave": report.wave},
        )
        if report.priorities
        else None,
        "top_priority": streets,
        "district_spec": district_chart(
            report.by_district.get(streets.item, []),
            _("%(item)s by council district") % {"item": streets.label},
        )
        if streets
        else None,
        "top_district_ratings": report.by_district.get(streets.item, []) if streets else [],
        "benchmarks": survey_comparisons(survey.dataset.slug),
    }
    return render(request, "surveys/detail.html", context)


@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/services.html", {"services": ServiceProfile.objects.all()})


@require_safe
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(ServiceProfile, slug=slug)
    evidence = service_profile_evidence(service)
    return render(
        request,
        "surveys/service.html",
        {"service": service, "evidence": evidence, "charts": service_charts(evidence)},
    )


@require_safe
def budget_explorer(request: HttpRequest) -> HttpResponse:
    years = budget_years()
    if not years:
        raise Http404("No budget has been published.")
    year = parse_year(request.GET.get("year"), default=years[-1], allowed=years)
    lines = budget_lines(year)
    context = {
        "years": years,
        "year": year,
        "lines": lines,
        "year_closed": year_is_closed(lines),
        "total_amended": sum(line.amended for line in lines),
        "treemap_spec": treemap_spec(lines, _("FY%(year)s amended budget") % {"year": year}),
    }
    return render(request, "surveys/budget.html", context)


def parse_year(raw: str | None, default: int, allowed: list[int]) -> int:
    """Return the requested fiscal year if it is one with data, else the default."""
    try:
        year = int(raw) if raw else default
    except ValueError:
        return default
    return year if year in allowed else default


@staff_required("surveys.view_survey")
def staff_survey(request: HttpRequest, slug: str) -> HttpResponse:
    """Show staff a survey's internal results: engagement, or how it aligns with the plan."""
    survey = get_object_or_404(Survey, slug=slug)
    context: dict[str, Any] = {"survey": survey}
    if survey.kind == Survey.Kind.EMPLOYEE:
        context["engagement"] = engagement(survey.layout())
        context["threshold"] = survey.layout().engagement.threshold  # type: ignore[union-attr]
    else:
        context["report"] = resident_report(survey)
        context["unanswered_goals"] = goals_without_resident_priority(survey)
    return render(request, "surveys/staff_survey.html", context)
