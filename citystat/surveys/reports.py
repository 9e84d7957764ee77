"""What a survey's public page shows, assembled from the statistics, cached per load."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

from citystat.surveys.focus import FocusTest, focus_test
from citystat.surveys.models import Survey
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
    key = f"surveys:resident:{survey.pk}:{loaded}:{survey.updated_at.timestamp()}"
    report = cache.get(key)
    if report is None:
        report = build_resident_report(survey)
        cache.set(key, report, CACHE_SECONDS)
    return report


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
