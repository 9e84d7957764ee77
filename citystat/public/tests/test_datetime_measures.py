"""A weekly measure over a datetime dataset, from compute to every page that shows it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math

import pandas as pd
import pytest
from django.core.cache import cache

from citystat.catalog.tests.datetime_dataset import load_tickets, tickets_frame
from citystat.city.models import CityProfile
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.public import plan_pages

FRAME = tickets_frame(rows=300)
# Every ticket has its ward here: how unrecorded areas are ranked is not this test's matter.
FRAME["ward"] = FRAME["ward"].fillna(1)
SPEC = {
    "dataset": "tickets",
    "date": "opened_at",
    "aggregate": "mean",
    "field": "hours_between(opened_at, resolved_at)",
    "grain": "week",
    "breakdowns": ["ward"],
}


@pytest.fixture
def measure(db, settings, tmp_path, monkeypatch):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    CityProfile.objects.create(name="Elsewhere", time_zone="America/Los_Angeles")
    dataset = load_tickets(tmp_path, FRAME, is_public=True)
    measure = add_measure(
        "hours-to-resolve",
        SPEC,
        dataset=dataset,
        unit="count",
        direction=Measure.Direction.LOWER_IS_BETTER,
    )
    Plan.objects.filter(slug="p").update(is_current=True)
    report = compute_measures([measure])
    assert not report.failed, report.failed
    return measure


def pandas_means() -> pd.DataFrame:
    """Return the mean hours to resolve by ISO week and ward, computed by pandas."""
    hours = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 3600
    iso = FRAME["opened_at"].dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    frame = pd.DataFrame({"week": week, "ward": FRAME["ward"], "hours": hours}).dropna()
    return frame.groupby(["week", "ward"])["hours"].mean().reset_index()


def test_the_equity_view_names_the_best_and_worst_ward_of_each_week(measure):
    means = pandas_means()
    rows = {row.period: row for row in plan_pages.equity_rows(measure, "ward")}
    # Weeks the data covers only in part (its first and last) are partial: not compared.
    first, last = FRAME["opened_at"].min().date(), FRAME["opened_at"].max().date()

    def whole(week: str) -> bool:
        year, number = week.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
        return monday >= first and monday + dt.timedelta(days=6) <= last

    means = means[means["week"].map(whole)]
    assert len(set(means["week"])) >= 5
    assert set(rows) == set(means["week"])
    for week, group in means.groupby("week"):
        best = group.loc[group["hours"].idxmin()]
        worst = group.loc[group["hours"].idxmax()]
        assert rows[week].best_name.endswith(str(best["ward"]))
        assert rows[week].worst_name.endswith(str(worst["ward"]))
        assert math.isclose(rows[week].gap, worst["hours"] - best["hours"], rel_tol=1e-9)


def test_the_measure_page_reads_weeks_as_residents_say_them(client, measure):
    response = client.get("/measures/hours-to-resolve/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "week of Jan. 1, 2018" in body


def test_downloads_and_the_rest_api_give_iso_week_labels_and_mondays(client, measure):
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/measures/hours-to-resolve/values.csv").content.decode())))  # fmt: skip
    overall = [row for row in rows if not row.get("breakdown")]
    weeks = {row["period"]: row for row in overall}
    assert weeks["2018-W01"]["period_start"] == "2018-01-01"
    assert weeks["2018-W01"]["period_end"] == "2018-01-07"
    hours = (FRAME["resolved_at"] - FRAME["opened_at"]).dt.total_seconds() / 3600
    in_week = FRAME["opened_at"].between("2018-01-01", "2018-01-07 23:59:59")
    assert math.isclose(float(weeks["2018-W01"]["value"]), hours[in_week].mean(), rel_tol=1e-6)
    api = json.loads(client.get("/api/v1/measures/hours-to-resolve/values/").content)
    results = api["results"] if isinstance(api, dict) else api
    labels = {row["period"] for row in results if not row["breakdown"]}
    assert labels == set(weeks)
    stored = MeasureValue.objects.filter(measure=measure, breakdown="").order_by("period_start")
    assert all(value.period_start.weekday() == 0 for value in stored)
