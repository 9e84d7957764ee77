"""Public pages of the resident survey: what residents say matters and how satisfied they are."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from citystat.surveys.charts import district_chart, quadrant_chart
from citystat.surveys.models import Survey
from citystat.surveys.reports import resident_report


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
            report.priorities, f"Importance and satisfaction, {report.wave}"
        )
        if report.priorities
        else None,
        "top_priority": streets,
        "district_spec": district_chart(
            report.by_district.get(streets.item, []), f"{streets.label} by council district"
        )
        if streets
        else None,
        "top_district_ratings": report.by_district.get(streets.item, []) if streets else [],
    }
    return render(request, "surveys/detail.html", context)
