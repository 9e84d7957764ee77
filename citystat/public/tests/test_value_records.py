"""Every format that publishes a measure's values carries the same columns, named the same."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command

from citystat.plan.models import Measure, MeasureValue
from citystat.plan.reporting import value_rows
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


def test_the_command_line_and_reporting_carry_exactly_the_published_columns(city):
    # #22: `citystat values` wrote `partial` and `note` where the API and the downloads
    # say `is_partial` and `source_note`, and left out the interval of most measures.
    measure = Measure.objects.get(slug=MEASURE)
    rows = value_rows(measure)
    assert rows and all(list(row) == list(PUBLISHED_FIELDS) for row in rows)
    by = "council_district"
    broken_down = value_rows(measure, by)
    assert broken_down and all(list(row) == list(PUBLISHED_FIELDS) for row in broken_down)
    assert {row["breakdown"] for row in broken_down} == {by}

    out = io.StringIO()
    call_command("values", MEASURE, "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert all(list(row) == list(PUBLISHED_FIELDS) for row in printed)
    out = io.StringIO()
    call_command("values", MEASURE, "--csv", stdout=out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table and list(table[0]) == list(PUBLISHED_FIELDS)

    # The same value, read from the database by hand, is the same in each.
    stored = MeasureValue.objects.filter(measure=measure, breakdown="").order_by("period_start")
    for row, value in zip(printed, stored, strict=True):
        assert (row["period"], row["value"], row["is_partial"], row["source_note"]) == (
            value.period,
            value.value,
            value.is_partial,
            value.source_note,
        )
