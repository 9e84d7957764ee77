"""Place statistics, Open311, embeds and update news give DuckDB's answers on PostgreSQL
and Spark, and DuckDB's place statistics are pandas' (issue #22: one read path).

The demo city is loaded on the folder warehouse (DuckDB), then on the engine under test,
and everything these readers show is computed on both: a neighborhood's and a district's
311 figures and demolitions, Open311's service list and a month of requests, an update's
filtered rows (an embed) and its map points (update news). A second city's 311 dates are
datetimes with times of day and carry no days-to-close column, so the days between the
two datetimes are worked out by each engine. Medians may differ in their last bits with
the engine's arithmetic (docs/warehouses.md, "The same answers everywhere").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.cache import cache

from citystat.api import open311
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.profile import load_city_file
from citystat.demo.build import save_dataset
from citystat.demo.datasets import DEMO_DATASETS, KC_311_COLUMNS
from citystat.demo.generator import generate_city
from citystat.engagement.embeds import dataset_rows
from citystat.engagement.news import matching_points
from citystat.public import place_stats
from citystat.public.tests.small_city import build_small_city, withhold_field
from tests.warehouses.test_survey_engines import differences, plain

ENGINES = [
    pytest.param("postgres"),
    pytest.param("spark", marks=[pytest.mark.spark]),
]
ROWS = 6_000
TODAY = dt.date(2026, 6, 30)


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    request.getfixturevalue(f"{request.param}_warehouse")
    return str(request.param)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-data")
    generate_city(folder, rows=ROWS, seed=2024)
    return folder


def load_demo(data: Path, first: bool) -> None:
    if first:
        load_city_file(data / "city.yaml")
    for definition in DEMO_DATASETS:
        if definition["slug"] in ("service-requests", "demolitions"):
            ingest(save_dataset(definition), data / definition["file"])
    cache.clear()


def requests_frame(data: Path) -> pd.DataFrame:
    """The demo's 311 export under the schema's field names (the preset's column map)."""
    frame = pd.read_csv(data / "service_requests.csv", dtype=str)
    return frame.rename(columns={column: name for name, column in KC_311_COLUMNS.items()})


def busiest(data: Path, column: str) -> str:
    return str(requests_frame(data)[column].value_counts().index[0])


def answers(neighborhood: str, district: str, demolished: str) -> dict[str, Any]:
    """Everything the ported readers show, as plain values."""
    requests = place_stats.area_requests("neighborhood", neighborhood)
    assert requests is not None and requests.area_requests > 0
    start = dt.datetime.combine(requests.last_day - dt.timedelta(days=30), dt.time())
    window = {"start_date": start.isoformat(), "end_date": f"{requests.last_day}T23:59:59"}
    demolitions = Dataset.objects.get(slug="demolitions")
    condition = [{"field": "neighborhood", "value": demolished}]
    embed = dataset_rows(demolitions, condition)
    tooltip = [c for c in embed.columns if c not in ("latitude", "longitude")][:3]
    return plain(
        {
            "neighborhood requests": requests,
            "district requests": place_stats.area_requests("council_district", district),
            "neighborhood demolitions": place_stats.area_demolitions(
                "neighborhood", demolished, TODAY
            ),
            "district demolitions": place_stats.area_demolitions(
                "council_district", district, TODAY
            ),
            "services": open311.services(),
            "requests": open311.find_requests(window),
            "embed": [embed.total, embed.rows, embed.by_area, embed.problem],
            "news points": matching_points(demolitions, condition, tooltip),
        }
    )


@pytest.mark.slow
def test_place_statistics_open311_and_embeds_are_duckdbs_on_every_engine(
    db, engine_name, settings, tmp_path, demo_data
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    engine = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    load_demo(demo_data, first=True)
    neighborhood = busiest(demo_data, "neighborhood")
    district = busiest(demo_data, "council_district")
    demolished = str(
        pd.read_csv(demo_data / "demolitions.csv", dtype=str)["neighborhood"]
        .value_counts()
        .index[0]
    )
    reference = answers(neighborhood, district, demolished)

    # DuckDB's figures are pandas' (an independent computation from the file).
    frame = requests_frame(demo_data)
    created = pd.to_datetime(frame["created_date"], format="%m/%d/%Y")
    recent = frame[created.dt.normalize() > created.max().normalize() - pd.Timedelta(days=365)]
    area = recent[recent["neighborhood"] == neighborhood]
    days = pd.to_numeric(area["days_to_close"])
    found = reference["neighborhood requests"]
    assert found["area_requests"] == len(area) > 0
    assert found["area_median_days"] == pytest.approx(days.median(), rel=1e-12)
    assert found["city_requests"] == len(recent)
    assert reference["embed"][0] > 0 and reference["news points"][1] > 0
    assert reference["requests"] and reference["services"]
    demolitions = reference["neighborhood demolitions"]
    assert demolitions["completed"] > 0 and demolitions["by_reason"]

    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine
    load_demo(demo_data, first=False)
    found = differences(answers(neighborhood, district, demolished), reference)
    assert not found, f"{engine_name} differs from DuckDB at " + "; ".join(found[:10])


@pytest.mark.slow
def test_datetime_311_dates_give_duckdbs_place_statistics_on_every_engine(
    db, engine_name, settings, tmp_path
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    engine = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    files = build_small_city(tmp_path / "source", datetimes=True)
    withhold_field("service-requests", "days_to_close")
    cache.clear()

    def figures() -> Any:
        return plain(
            [
                place_stats.area_requests("neighborhood", "Shoal Creek"),
                place_stats.area_requests("council_district", "2"),
                place_stats.area_demolitions("neighborhood", "Westport", TODAY),
            ]
        )

    reference = figures()
    assert reference[0]["area_median_days"] % 1 != 0  # times of day make fractions of days

    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine
    for slug, path in files.items():
        ingest(Dataset.objects.get(slug=slug), path)
    cache.clear()
    found = differences(figures(), reference)
    assert not found, f"{engine_name} differs from DuckDB at " + "; ".join(found[:10])
