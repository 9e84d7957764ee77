"""What a survey's public page shows, assembled from the statistics, cached per load."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Max
from django.utils.translation import gettext as _

from citystat.catalog.models import DatasetVersion
from citystat.plan.models import Goal
from citystat.surveys.charts import line_chart
from citystat.surveys.evidence import ServiceEvidence, service_evidence
from citystat.surveys.focus import FocusTest, focus_test
from citystat.surveys.models import ServiceProfile, Survey
from citystat.surveys.ratings import (
    Change,
    ItemRating,
    Priority,
    changes,
    priorities,
    satisfaction,
    waves,
)

CACHE_SECONDS = 6 * 3600


@dataclass
class ResidentReport:
    waves: list[str]
    wave: str | None
    priorities: list[Priority] = field(default_factory=list)
    by_district: dict[str, list[ItemRating]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    previous_wave: str | None = None
    focus: FocusTest | None = None
    unlinked_priorities: list[Priority] = field(default_factory=list)


def resident_report(survey: Survey) -> ResidentReport:
    """Return the latest wave's priorities, district ratings, changes and focus test.

    Results are cached under the survey's published dataset version, so a new load
    shows at once and nothing is recomputed between loads.
    """
    version = survey.dataset.latest_version
    loaded = version.number if version else 0
    key = cache_key("resident", survey.pk, loaded, survey.updated_at.isoformat())
    report = cache.get(key)
    if report is None:
        report = build_resident_report(survey)
        cache.set(key, report, CACHE_SECONDS)
    return report


def cache_key(kind: str, *parts: Any) -> str:
    """Return a short cache key that changes whenever any of `parts` does."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"surveys:{kind}:{digest[:32]}"


def build_resident_report(survey: Survey) -> ResidentReport:
    layout = survey.layout()
    all_waves = waves(layout)
    report = ResidentReport(waves=all_waves, wave=all_waves[-1] if all_waves else None)
    if report.wave is None:
        return report
    report.priorities = priorities(layout, wave=report.wave).get((report.wave, None), [])
    if layout.district:
        for rating in satisfaction(layout, by=layout.district, wave=report.wave):
            report.by_district.setdefault(rating.item, []).append(rating)
    if len(all_waves) > 1:
        report.previous_wave = all_waves[-2]
        report.changes = changes(layout, report.previous_wave, report.wave)
        focus_items = sorted(set(survey.links.filter(is_focus=True).values_list("item", flat=True)))
        if focus_items:
            report.focus = focus_test(layout, focus_items, all_waves[0], report.wave)
    linked = set(survey.links.values_list("item", flat=True))
    report.unlinked_priorities = [
        priority
        for priority in report.priorities
        if priority.band != "medium" and priority.item not in linked
    ]
    return report


def service_profile_evidence(service: ServiceProfile) -> ServiceEvidence:
    """Return the service's evidence, cached until any of its datasets is reloaded."""
    versions = list(
        DatasetVersion.objects.filter(
            dataset__slug__in=source_datasets(service), status=DatasetVersion.Status.PUBLISHED
        )
        .values_list("dataset__slug")
        .annotate(latest=Max("number"))
        .order_by("dataset__slug")
    )
    key = cache_key("service", service.pk, versions, service.definition)
    evidence = cache.get(key)
    if evidence is None:
        evidence = service_evidence(
            service.definition,
            service.resident_survey.layout() if service.resident_survey else None,
            service.employee_survey.layout() if service.employee_survey else None,
        )
        cache.set(key, evidence, CACHE_SECONDS)
    return evidence


def source_datasets(service: ServiceProfile) -> list[str]:
    slugs = [
        service.definition[source]["dataset"]
        for source in ("requests", "staffing", "budget")
        if source in service.definition
    ]
    for survey in (service.resident_survey, service.employee_survey):
        if survey is not None:
            slugs.append(survey.dataset.slug)
    return slugs


def x_titles() -> dict[str, str]:
    """Return the reader's words for the profile charts' x fields (their tooltips)."""
    return {"wave": _("Survey wave"), "month": _("Month"), "fiscal_year": _("Fiscal year")}


def service_charts(evidence: ServiceEvidence) -> list[dict[str, Any]]:
    """Return the profile's charts in reading order, each with its own data table."""
    charts = [
        ("satisfaction", _("Residents satisfied"), evidence.satisfaction, "wave", "satisfied",
         ".0%", False, ("low", "high")),
        ("importance", _("Residents naming it most important"), evidence.importance, "wave",
         "importance", ".0%", False, None),
        ("requests", _("311 requests per month"), evidence.requests_by_month, "month",
         "requests", ",.0f", True, None),
        ("close-time", _("Median days to close"), evidence.requests_by_month, "month",
         "median_days", ",.1f", True, None),
        ("within", _("Closed within the service-level timeframe"), evidence.requests_by_month,
         "month", "within_timeframe", ".0%", True, None),
        ("vacancy", _("Vacancy rate"), evidence.staffing_by_month, "month", "vacancy_rate",
         ".0%", True, None),
        ("engagement", _("Employees engaged (department)"), evidence.engagement_by_wave, "wave",
         "engaged", ".0%", False, None),
        ("spending", _("Actual spending"), evidence.spending_by_year, "fiscal_year", "actual",
         "$,.0f", False, None),
    ]  # fmt: skip
    return [
        {
            "id": f"chart-spec-{name}",
            "title": title,
            "rows": rows,
            "x": x,
            "y": y,
            "format": number_format,
            "spec": line_chart(
                rows, x, y, title, title, number_format, temporal, band, x_title=x_titles()[x]
            ),
        }
        for name, title, rows, x, y, number_format, temporal, band in charts
        if any(row.get(y) is not None for row in rows)
    ]


def goals_without_resident_priority(survey: Survey) -> list[Goal]:
    """Return the current plan's goals that no item of `survey` is linked to."""
    linked = set(survey.links.exclude(goal=None).values_list("goal_id", flat=True))
    linked |= set(
        survey.links.exclude(measure=None).values_list("measure__objective__goal_id", flat=True)
    )
    return list(
        Goal.objects.filter(priority_area__plan__is_current=True)
        .exclude(pk__in=linked)
        .select_related("priority_area")
        .order_by("priority_area__position", "position")
    )
