"""What a neighborhood or district page shows, gathered from every app that knows the area.

The page, its feed and its tests read one `PlaceReport`; nothing here touches a request.
Only aggregates and public records reach it: 311 and demolition counts (never a row or
an address), survey shares for groups large enough to publish, public meetings and
published updates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from citystat.catalog.models import DatasetVersion
from citystat.city.places import Place, place_for_value
from citystat.engagement.models import Update
from citystat.engagement.queries import recent_updates
from citystat.meetings.models import Meeting
from citystat.meetings.queries import upcoming_meetings
from citystat.plan import display
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.public.place_stats import (
    AreaDemolitions,
    AreaField,
    AreaRequests,
    area_demolitions,
    area_requests,
    missing_fields,
)
from citystat.surveys.models import Survey
from citystat.surveys.ratings import satisfaction, waves
from citystat.surveys.reports import CACHE_SECONDS, cache_key

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
AREA_FIELD: dict[str, AreaField] = {"neighborhood": "neighborhood", "district": "council_district"}
AREA_COLOUR = "#1f5f99"
CITY_COLOUR = "#8a5300"


@dataclass(frozen=True)
class DistrictRating:
    label: str
    district_satisfied: float | None  # None when too few answered to publish
    city_satisfied: float | None
    answered: int


@dataclass(frozen=True)
class Satisfaction:
    survey_title: str
    survey_url: str
    wave: str
    district: Place
    ratings: list[DistrictRating]


@dataclass(frozen=True)
class AreaMeasure:
    """A plan measure broken down by area: its latest value here beside the city's."""

    measure: Measure
    period: str
    here: str
    city: str


@dataclass
class PlaceReport:
    place: Place
    requests: AreaRequests | None
    demolitions: AreaDemolitions | None
    districts: list[Place] = field(default_factory=list)
    satisfaction: list[Satisfaction] = field(default_factory=list)
    measures: list[AreaMeasure] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    # Declared datasets the page cannot read, with the fields they lack (place_stats).
    problems: list[str] = field(default_factory=list)
    new_data: list[DatasetVersion] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether the city has no data about this place at all (the page says so)."""
        return not any(
            (
                self.requests,
                self.demolitions,
                self.satisfaction,
                self.measures,
                self.meetings,
                self.updates,
            )
        )

    @property
    def type_chart(self) -> dict[str, Any] | None:
        return requests_by_type_chart(self) if self.requests and self.requests.by_type else None

    @property
    def close_chart(self) -> dict[str, Any] | None:
        return days_to_close_chart(self) if self.requests and self.requests.by_type else None


def place_report(place: Place, today: dt.date) -> PlaceReport:
    """Return everything the public page of `place` shows, as of `today`."""
    area_field = AREA_FIELD[place.kind]
    requests = area_requests(area_field, place.values)
    report = PlaceReport(
        place=place,
        requests=requests,
        demolitions=area_demolitions(area_field, place.values, today),
        problems=missing_fields(),
    )
    if place.kind == "district":
        report.districts = [place]
    elif requests is not None:
        # A neighborhood can straddle districts: list those its requests came from,
        # leaving out stray geocodes (under a tenth of the area's requests).
        enough = [
            name for name, count in requests.districts if count >= requests.area_requests / 10
        ]
        # The rows may name a district by its id or its name (city/places.place_for_value).
        report.districts = [p for name in enough if (p := place_for_value("district", name))]
    report.satisfaction = [
        satisfaction
        for district in report.districts[:2]
        for satisfaction in district_satisfaction(district)
    ]
    report.measures = area_measures(place)
    report.meetings = upcoming_meetings(limit=5)
    report.updates = (
        recent_updates(10, neighborhood=place.name)
        if place.kind == "neighborhood"
        else recent_updates(10, district=place.name)
    )
    slugs = [data.dataset_slug for data in (requests, report.demolitions) if data is not None]
    report.new_data = list(
        DatasetVersion.objects.filter(
            dataset__slug__in=slugs, status=DatasetVersion.Status.PUBLISHED
        ).select_related("dataset")
    )
    return report


def area_measures(place: Place) -> list[AreaMeasure]:
    """Return the current plan's public measures broken down by the place's kind of area,
    each with its latest complete value for the place and the citywide value then."""
    plan = Plan.current()
    if plan is None:
        return []
    values = (
        MeasureValue.objects.filter(
            breakdown=AREA_FIELD[place.kind],
            breakdown_value__in=place.values,
            measure__is_public=True,
            measure__objective__goal__priority_area__plan=plan,
            value__isnull=False,
            is_partial=False,
        )
        .select_related("measure")
        .order_by("measure_id", "-period_start")
    )
    latest: dict[int, MeasureValue] = {}
    for value in values:
        latest.setdefault(value.measure_id, value)
    overall = {
        (row.measure_id, row.period): row.value
        for row in MeasureValue.objects.filter(
            breakdown="", measure_id__in=latest, period__in={v.period for v in latest.values()}
        )
    }
    found = [
        AreaMeasure(
            measure=value.measure,
            period=value.period,
            here=display.value_text(value.value, value.measure.unit),
            city=display.value_text(
                overall.get((value.measure_id, value.period)), value.measure.unit
            ),
        )
        for value in latest.values()
    ]
    return sorted(found, key=lambda row: row.measure.title.casefold())


def district_satisfaction(district: Place) -> list[Satisfaction]:
    """Return the latest resident-survey satisfaction of `district` beside the city's."""
    found = []
    for survey in Survey.objects.filter(kind=Survey.Kind.RESIDENT, is_public=True):
        wave, by_district = survey_by_district(survey)
        ratings = next(
            (by_district[value] for value in district.values if value in by_district), []
        )
        if wave is not None and ratings:
            found.append(
                Satisfaction(
                    survey_title=survey.title,
                    survey_url=reverse("survey", args=[survey.slug]),
                    wave=wave,
                    district=district,
                    ratings=ratings,
                )
            )
    return found


def survey_by_district(survey: Survey) -> tuple[str | None, dict[str, list[DistrictRating]]]:
    """Return the latest wave and {district: ratings beside the city's}, cached per load.

    Two warehouse queries for every district at once: a district page needs its own row
    of them, and the survey's full report (priorities, changes, focus test) is far dearer.
    """
    layout = survey.layout()
    version = survey.dataset.latest_version
    key = cache_key("by-district", survey.pk, version.pk if version else 0, str(survey.updated_at))
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    all_waves = waves(layout) if layout.district else []
    wave = all_waves[-1] if all_waves else None
    by_district: dict[str, list[DistrictRating]] = {}
    if wave is not None and layout.district:
        city = {rating.item: rating.satisfied for rating in satisfaction(layout, wave=wave)}
        for rating in satisfaction(layout, by=layout.district, wave=wave):
            by_district.setdefault(str(rating.group), []).append(
                DistrictRating(
                    label=rating.label,
                    district_satisfied=rating.satisfied,
                    city_satisfied=city.get(rating.item),
                    answered=rating.answered,
                )
            )
    for ratings in by_district.values():
        ratings.sort(key=lambda rating: rating.label)
    cache.set(key, (wave, by_district), CACHE_SECONDS)
    return wave, by_district


def row_chart(title: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the frame of a chart with one row per request type, as wide as the page."""
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": title,
        "width": "container",
        "height": {"step": 24},
        "data": {"values": values},
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }


def requests_by_type_chart(report: PlaceReport) -> dict[str, Any]:
    """Bar chart of the area's most requested services over the year."""
    assert report.requests is not None
    title = _("311 requests in %(place)s by type") % {"place": report.place.label}
    values = [
        {"type": row.request_type, "requests": row.area_requests} for row in report.requests.by_type
    ]
    return {
        **row_chart(title, values),
        "mark": {"type": "bar", "color": AREA_COLOUR},
        "encoding": {
            "y": {"field": "type", "type": "nominal", "sort": "-x", "title": None},
            # A count: whole-number ticks (#20), never "0.5 requests".
            "x": {
                "field": "requests",
                "type": "quantitative",
                "title": _("Requests"),
                "axis": {"format": ",d", "tickMinStep": 1},
            },
            "tooltip": [
                {"field": "type", "type": "nominal", "title": _("Type")},
                {"field": "requests", "type": "quantitative", "title": _("Requests")},
            ],
        },
    }


def days_to_close_chart(report: PlaceReport) -> dict[str, Any]:
    """Dot plot of median days to close, the area beside the whole city, per request type."""
    assert report.requests is not None
    here, city = report.place.label, _("Whole city")
    values = []
    for row in report.requests.by_type:
        for where, days in ((here, row.area_median_days), (city, row.city_median_days)):
            if days is not None:
                values.append({"type": row.request_type, "where": where, "days": days})
    title = _("Median days to close a request: %(place)s and the whole city") % {"place": here}
    return {
        **row_chart(title, values),
        "mark": {"type": "point", "filled": True, "size": 90},
        "encoding": {
            "y": {"field": "type", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "days", "type": "quantitative", "title": _("Median days to close")},
            "color": {
                "field": "where",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [here, city], "range": [AREA_COLOUR, CITY_COLOUR]},
                "legend": {"orient": "top"},
            },
            "shape": {"field": "where", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "type", "type": "nominal", "title": _("Type")},
                {"field": "where", "type": "nominal", "title": _("Where")},
                {"field": "days", "type": "quantitative", "title": _("Median days")},
            ],
        },
    }
