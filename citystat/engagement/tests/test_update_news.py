"""An update's dataset told as news: a plain heading from the filter, column titles from
the schema, cells written in the reader's language, one map with the matching rows as
dots, and a table that stacks on a phone (issue #20, item 4)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from typing import Any, cast

import pandas as pd
import pytest
from django.utils import timezone, translation

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.demo.datasets import DEMOLITIONS_SCHEMA
from citystat.engagement import news
from citystat.engagement.embeds import dataset_rows
from citystat.engagement.models import Update
from citystat.engagement.views import public

# Ivanhoe is the square from -94.60 to -94.59 west, 39.00 to 39.01 north in the test
# city's boundary file (fixtures/neighborhoods.geojson); Westport lies east of it.
ROWS = [
    # id, neighborhood, district, status, latitude, longitude, cost, planned date
    (1, "Ivanhoe", 1, "planned", 39.002, -94.598, 15456.01, "2026-10-18"),
    (2, "Ivanhoe", 1, "planned", 39.007, -94.592, 1200000, "2026-11-02"),
    (3, "Ivanhoe", 1, "planned", None, None, 800.5, ""),
    (4, "Ivanhoe", 1, "completed", 39.004, -94.595, 9000, "2025-03-01"),
    (1234567, "Westport", 2, "planned", 39.005, -94.575, 7000, "2026-12-01"),
]
PLANNED_IN_IVANHOE = [
    {"field": "neighborhood", "value": "Ivanhoe"},
    {"field": "status", "value": "planned"},
]


@pytest.fixture
def demolitions(city, tmp_path) -> Dataset:
    path = tmp_path / "demolitions.csv"
    fields = [spec["name"] for spec in cast(list[dict[str, Any]], DEMOLITIONS_SCHEMA["fields"])]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for number, neighborhood, district, status, lat, lon, cost, planned in ROWS:
            writer.writerow(
                {
                    "demolition_id": number,
                    "parcel_id": f"SECRET-PARCEL-{number}",
                    "street_address": f"{number} Main St",
                    "neighborhood": neighborhood,
                    "council_district": district,
                    "latitude": "" if lat is None else lat,
                    "longitude": "" if lon is None else lon,
                    "reason": "Vacant",
                    "status": status,
                    "planned_date": planned,
                    "estimated_cost": cost,
                }
            )
    dataset = Dataset.objects.create(
        slug="demolitions",
        title="Dangerous building demolitions",
        table_schema=DEMOLITIONS_SCHEMA,
        is_public=True,
    )
    ingest(dataset, path)
    return dataset


def frame() -> pd.DataFrame:
    columns = ["id", "neighborhood", "district", "status", "lat", "lon", "cost", "planned"]
    return pd.DataFrame(ROWS, columns=columns)


def publish(dataset: Dataset, conditions: list[dict[str, str]], slug: str = "news") -> Update:
    return Update.objects.create(
        title="Demolitions this quarter",
        slug=slug,
        body="Crews are scheduled.",
        published_at=timezone.now(),
        dataset=dataset,
        dataset_filter=conditions,
    )


def test_the_heading_says_what_and_where_in_words(demolitions):
    with translation.override("en"):
        assert (
            news.plain_heading(demolitions, PLANNED_IN_IVANHOE)
            == "Planned dangerous building demolitions in Ivanhoe"
        )
        assert (
            news.plain_heading(demolitions, [{"field": "council_district", "value": "2"}])
            == "Dangerous building demolitions in council district 2"
        )
        assert (
            news.plain_heading(demolitions, [{"field": "reason", "value": "Vacant"}])
            == "Dangerous building demolitions where reason is Vacant"
        )


def test_the_heading_is_translated(demolitions):
    with translation.override("es"):
        heading = news.plain_heading(demolitions, PLANNED_IN_IVANHOE)
    # The dataset's title and the data's values are the city's words; the sentence is ours.
    assert heading == "Dangerous building demolitions (planned) en Ivanhoe"


def test_cells_are_written_by_their_column_type_in_the_readers_language():
    cost = {"name": "estimated_cost", "type": "number", "title": "Estimated cost ($)"}
    identifier = {"name": "demolition_id", "type": "integer", "title": "Demolition ID"}
    count = {"name": "units", "type": "integer"}
    day = {"name": "planned_date", "type": "date"}
    with translation.override("en"):
        assert news.cell_text(15456.01, cost) == f"{15456.01:,.2f}" == "15,456.01"
        assert news.cell_text(1200000.0, cost) == "1,200,000"
        assert news.cell_text(1234567, identifier) == "1234567"
        assert news.cell_text(1234567, count) == "1,234,567"
        assert news.cell_text(dt.date(2026, 10, 18), day) == "18 October 2026"
        assert news.cell_text(None, cost) == news.cell_text("", day) == "—"
    with translation.override("es"):
        # Django's Spanish format groups thousands with a no-break space.
        assert news.cell_text(15456.01, cost) == "15\xa0456,01"
        assert news.cell_text(1234567, identifier) == "1234567"
        assert news.cell_text(dt.date(2026, 10, 18), day) == "18 de octubre de 2026"


def test_the_page_shows_titles_written_cells_and_one_map_of_the_matching_rows(client, demolitions):
    update = publish(demolitions, PLANNED_IN_IVANHOE)
    with translation.override("en"):
        page = client.get(update.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h2 id="embed-title">Planned dangerous building demolitions in Ivanhoe</h2>' in page
    headers = re.findall(r'<th scope="col" role="columnheader">([^<]*)</th>', page)
    assert headers[:3] == ["Demolition ID", "Street address", "Neighborhood"]
    assert "Estimated cost ($)" in headers and "estimated_cost" not in page
    # The coordinates are the map's; withheld columns are nowhere.
    assert "Latitude" not in headers and "SECRET-PARCEL" not in page and "Parcel ID" not in page
    assert 'data-label="Estimated cost ($)">15,456.01</td>' in page
    assert 'data-label="Planned date">18 October 2026</td>' in page
    assert 'data-label="Planned date">—</td>' in page

    # One map, not one per area layer.
    assert page.count("data-chart-spec=") == 1
    spec = json.loads(re.search(r'id="update-map" type="application/json">(.*?)</script>', page)[1])
    dots = spec["layer"][-1]["data"]["values"]
    expected = frame().query("neighborhood == 'Ivanhoe' and status == 'planned'").dropna()
    assert sorted((d["longitude"], d["latitude"]) for d in dots) == sorted(
        zip(expected["lon"], expected["lat"], strict=True)
    )
    # Under the dots: the neighborhood the filter names, so the map is zoomed to it.
    areas = spec["layer"][0]["data"]["values"]
    assert [a["properties"]["name"] for a in areas] == ["Ivanhoe"]
    assert "2 matching rows with a location, one dot each." in page
    assert "1 has no location and is only in the table." in page
    # Drawn on the server too, as SVG (no tiles): readers without JavaScript see it.
    figure = page.split('data-chart-spec="update-map">', 1)[1]
    assert figure.lstrip().startswith("<svg") and "<img" not in figure.split("</div>", 1)[0]


def test_the_page_in_spanish(client, demolitions):
    update = publish(demolitions, PLANNED_IN_IVANHOE)
    client.cookies["django_language"] = "es"
    page = client.get(update.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Dangerous building demolitions (planned) en Ivanhoe" in page
    assert 'data-label="Estimated cost ($)">15\xa0456,01</td>' in page
    assert 'data-label="Planned date">18 de octubre de 2026</td>' in page
    assert "2 filas coincidentes con ubicación, un punto cada una." in page


def test_without_locations_the_one_map_counts_rows_by_area(client, demolitions):
    update = publish(demolitions, [{"field": "status", "value": "completed"}], slug="done")
    Dataset.objects.filter(pk=demolitions.pk).update(
        table_schema={
            **demolitions.table_schema,
            "fields": [f for f in demolitions.fields if f["name"] not in ("latitude", "longitude")],
        }
    )
    page = client.get(update.get_absolute_url()).content.decode()
    assert page.count("data-chart-spec=") == 1
    assert "1 matching row, counted by area" in page


def test_no_matching_row_draws_no_map(client, demolitions):
    update = publish(demolitions, [{"field": "neighborhood", "value": "Nowhere"}], slug="none")
    page = client.get(update.get_absolute_url()).content.decode()
    assert "data-chart-spec=" not in page
    assert "No rows match." in page


def test_the_map_never_carries_withheld_columns(demolitions):
    embed = dataset_rows(demolitions, PLANNED_IN_IVANHOE)
    found = news.news_map(embed, "heading")
    assert found is not None
    assert "SECRET-PARCEL" not in json.dumps(found.spec)


def test_the_news_is_read_once_per_load_and_a_new_load_shows_at_once(
    client, demolitions, tmp_path, monkeypatch, settings
):
    settings.CITYSTAT_PAGE_CACHE_SECONDS = 0  # the page itself rendered each time
    update = publish(demolitions, PLANNED_IN_IVANHOE)
    reads: list[int] = []
    real_rows = public.dataset_rows

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(public, "dataset_rows", counted)
    first = client.get(update.get_absolute_url()).content.decode()
    again = client.get(update.get_absolute_url()).content.decode()
    assert reads == [1]  # the warehouse was read, and the map drawn, once
    assert again == first and "Demolition ID" in first
    # A new load: one more planned demolition in Ivanhoe shows on the next request.
    path = tmp_path / "second.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        fields = [spec["name"] for spec in cast(list, DEMOLITIONS_SCHEMA["fields"])]
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerow(
            {
                "demolition_id": 987654,
                "parcel_id": "SECRET-PARCEL-9",
                "street_address": "9 Main St",
                "neighborhood": "Ivanhoe",
                "council_district": 1,
                "latitude": "",
                "longitude": "",
                "reason": "Vacant",
                "status": "planned",
                "planned_date": "2026-12-24",
                "estimated_cost": 4321,
            }
        )
    ingest(demolitions, path)
    demolitions.refresh_from_db()
    after = client.get(update.get_absolute_url()).content.decode()
    assert reads == [1, 1]
    assert "987654" in after and "987654" not in first
