"""Every format that publishes a measure's values carries the same columns, named the same."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache

from citystat.plan.models import MeasureValue
from citystat.plan.value_records import PUBLISHED_FIELDS, value_record
from citystat.public.tests.measure_city import build_measure_city

MEASURE = "potholes-closed"


@pytest.fixture
def city(db):
    cache.clear()
    return build_measure_city()


def test_the_api_and_both_downloads_carry_the_same_columns_and_values(city, client):
    api = client.get(f"/api/v1/measures/{MEASURE}/values/?page_size=500").json()["results"]
    download = client.get(f"/measures/{MEASURE}/values.json").json()["values"]
    rows = list(csv.DictReader(io.StringIO(client.get(f"/measures/{MEASURE}/values.csv").text)))

    assert set(api[0]) == set(PUBLISHED_FIELDS)
    assert list(rows[0]) == ["measure", *PUBLISHED_FIELDS]
    assert set(download[0]) == {"measure", "value_text", *PUBLISHED_FIELDS}
    overall = MeasureValue.objects.filter(measure__slug=MEASURE, breakdown="")
    latest = overall.order_by("-period_start").first()
    assert latest is not None
    expected = value_record(latest)
    in_api = next(row for row in api if row["period"] == latest.period)
    in_json = next(r for r in download if r["period"] == latest.period and not r["breakdown"])
    for name in ("period_start", "period_end", "value", "is_partial"):
        assert in_api[name] == in_json[name] == expected[name], name
