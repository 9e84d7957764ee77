"""A tiny plan with values, targets, a target change, a narrative, a district breakdown
and a two-district boundary layer: enough for every part of a measure page."""

from __future__ import annotations

import datetime as dt

from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import BoundaryLayer, CityProfile
from citystat.plan.models import Measure, MeasureValue, Narrative, Plan, Strategy, Target
from citystat.plan.testing import build_tiny_plan

MONTHS = [(2025, month) for month in range(1, 13)] + [(2026, month) for month in range(1, 11)]
# Percent of pothole requests closed within 7 days, January 2025 to October 2026.
VALUES = [70.0 + index for index in range(len(MONTHS))]  # 70 … 91
# The latest complete month (2026-10) is overwritten to 85 so the status needs attention.
LATEST = 85.0
DISTRICTS = {"1": [60.0, 64.0], "2": [80.0, 78.0]}  # 2026-09, 2026-10


def square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x, y + 1], [x + 1, y + 1], [x + 1, y], [x, y]]]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def build_measure_city() -> Plan:
    plan = build_tiny_plan()
    CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=7)
    BoundaryLayer.objects.create(
        slug="council-districts",
        title="Council districts",
        name_property="district",
        area_count=2,
        geojson={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"district": name, "council_member": "A Person"},
                    "geometry": {"type": "Polygon", "coordinates": square(-94.6 + i, 39.0)},
                }
                for i, name in enumerate(DISTRICTS)
            ],
        },
    )
    dataset = Dataset.objects.create(slug="requests", title="311 requests", is_public=True)
    finished = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    DatasetVersion.objects.create(
        dataset=dataset,
        number=1,
        status=DatasetVersion.Status.PUBLISHED,
        source="requests.csv",
        started_at=finished,
        finished_at=finished,
    )
    measure = Measure.objects.get(slug="potholes-closed")
    measure.title = "Potholes closed within 7 days"
    measure.definition = "Share of pothole requests closed within 7 days of being opened."
    measure.dataset = dataset
    measure.spec = {"dataset": "requests"}
    measure.save()
    for (year, month), value in zip(MONTHS, VALUES, strict=True):
        start, end = month_bounds(year, month)
        MeasureValue.objects.create(
            measure=measure,
            period=f"{year}-{month:02d}",
            period_start=start,
            period_end=end,
            value=LATEST if (year, month) == MONTHS[-1] else value,
        )
    for index, period in enumerate(["2026-09", "2026-10"]):
        start, end = month_bounds(2026, 9 + index)
        for district, values in DISTRICTS.items():
            MeasureValue.objects.create(
                measure=measure,
                period=period,
                period_start=start,
                period_end=end,
                breakdown="council_district",
                breakdown_value=district,
                value=values[index],
            )
    Target.objects.create(measure=measure, fiscal_year=2026, value=80, tolerance=3)
    target = Target.objects.create(measure=measure, fiscal_year=2027, value=95, tolerance=3)
    target.value = 90
    target._change_reason = "the crew budget was cut"  # type: ignore[attr-defined]
    target.save()
    Narrative.objects.create(
        measure=measure,
        period="2026-10",
        context="A wet October opened more potholes than crews could reach.",
        actions="Two extra crews work weekends.",
        state=Narrative.State.APPROVED,  # only approved narratives are public (#19)
    )
    strategy = Strategy.objects.create(
        goal=measure.objective.goal,
        title="Weekend pothole blitz",
        progress=Strategy.Progress.UNDER_WAY,
    )
    strategy.measures.add(measure)
    return plan
