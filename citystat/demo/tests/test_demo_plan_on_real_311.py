"""The demo plan's 311 measures compute on Kansas City's real export, not only on the demo's.

The generator writes Kansas City's real CATEGORY and TYPE values, so a city that loads
its own export with the kcmo-311 preset can adopt the demo plan unchanged. The shared
sample holds the real pothole requests of early 2020.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command

from citystat.city.models import CityProfile
from citystat.demo.build import PLAN_FILE, ensure_departments, plan_department_names, save_dataset
from citystat.demo.datasets import DEMO_DATASETS
from citystat.plan.compute.run import compute_measures
from citystat.plan.documents import load_plan_file
from citystat.plan.models import Measure, MeasureValue

REAL_EXPORT = (
    Path(os.environ.get("CITYSTAT_SHARED_DATA", "/work/shared/data"))
    / "kc311/311_Call_Center_Service_Requests.csv"
)


@pytest.mark.skipif(not REAL_EXPORT.exists(), reason="the shared real export is not here")
@pytest.mark.django_db
def test_the_demo_plans_311_measures_compute_on_the_real_export():
    # The city's real export, loaded as a city would: with the Kansas City preset.
    call_command("ingest", "service-requests", str(REAL_EXPORT), "--preset", "kcmo-311")
    # Kansas City's profile: its fiscal year starts 1 May; 508,090 residents (2020 census)
    # for the rate-per-1,000 measure.
    # English and Spanish, as the demo plan file carries both.
    CityProfile.objects.create(
        name="Kansas City", fiscal_year_start_month=5, population=508_090, languages=["en", "es"]
    )
    ensure_departments(plan_department_names())
    for definition in DEMO_DATASETS:
        if definition["slug"] != "service-requests":
            save_dataset(definition)
    load_plan_file(PLAN_FILE)
    on_311 = [m for m in Measure.objects.exclude(spec={}) if reads_311(m.spec)]
    assert len(on_311) > 20
    report = compute_measures(on_311)
    assert report.failed == {}
    # Every measure of the types the sample holds has values.
    for slug in ["potholes-closed-within-7-days", "pothole-requests", "potholes-repaired"]:
        assert MeasureValue.objects.filter(measure__slug=slug, breakdown="").exists(), slug

    # January 2020's share of potholes closed within 7 days, by pandas on the raw file.
    raw = pd.read_csv(REAL_EXPORT, encoding="utf-8-sig", dtype=str)
    closed = pd.to_datetime(raw["CLOSED DATE"], format="%m/%d/%y")
    days = pd.to_numeric(raw["DAYS TO CLOSE"])
    january = raw["TYPE"].eq("Pothole") & closed.dt.year.eq(2020) & closed.dt.month.eq(1)
    expected = 100 * (days[january] <= 7).mean()
    value = MeasureValue.objects.get(
        measure__slug="potholes-closed-within-7-days", period="2020-01", breakdown=""
    )
    assert value.value == pytest.approx(expected)
    # And one breakdown: council district 5's count of pothole requests made in February.
    created = pd.to_datetime(raw["CREATION DATE"], format="%m/%d/%y")
    february = raw["TYPE"].eq("Pothole") & created.dt.month.eq(2)
    district_5 = int((february & raw["COUNCIL DISTRICT"].eq("5")).sum())
    counted = MeasureValue.objects.get(
        measure__slug="pothole-requests",
        period="2020-02",
        breakdown="council_district",
        breakdown_value="5",
    )
    assert counted.value == district_5


def reads_311(spec: dict[str, Any]) -> bool:
    return spec.get("dataset") == "service-requests"
