"""Updates: live embeds (a measure card; a dataset filtered to an area, as rows and a map),
the staff form that checks the filter, and where updates appear."""

from __future__ import annotations

import csv
from typing import Any, cast

import pytest
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.demo.datasets import DEMOLITIONS_SCHEMA
from citystat.engagement.embeds import FilterProblem, clean_filter, dataset_rows
from citystat.engagement.models import AreaKind, Update
from citystat.engagement.queries import recent_updates, updates_matching

ROWS: list[tuple[int, str, int, str]] = [
    (1, "Ivanhoe", 3, "planned"),
    (2, "Ivanhoe", 3, "planned"),
    (3, "Ivanhoe", 3, "completed"),
    (4, "Westport", 4, "planned"),
]


@pytest.fixture
def demolitions(city, tmp_path) -> Dataset:
    path = tmp_path / "demolitions.csv"
    fields = [spec["name"] for spec in cast(list[dict[str, Any]], DEMOLITIONS_SCHEMA["fields"])]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for number, neighborhood, district, status in ROWS:
            writer.writerow(
                {
                    "demolition_id": number,
                    "parcel_id": f"SECRET-PARCEL-{number}",
                    "street_address": f"{number} Main St",
                    "neighborhood": neighborhood,
                    "council_district": district,
                    "reason": "Vacant",
                    "status": status,
                    "planned_date": "2026-12-01",
                }
            )
    dataset = Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    ingest(dataset, path)
    return dataset


def test_a_filter_uses_only_public_columns(demolitions):
    assert clean_filter(demolitions, [{"field": "neighborhood", "value": "Ivanhoe"}]) == [
        {"field": "neighborhood", "value": "Ivanhoe"}
    ]
    for bad in (
        [{"field": "parcel_id", "value": "x"}],
        [{"field": "neighborhood; drop table x", "value": "x"}],
        [{"field": "status", "value": ""}],
    ):
        with pytest.raises(FilterProblem):
            clean_filter(demolitions, bad)


def test_a_value_is_a_parameter_never_sql(demolitions):
    embed = dataset_rows(demolitions, [{"field": "neighborhood", "value": "x' OR '1'='1"}])
    assert (embed.total, embed.rows, embed.problem) == (0, [], "")


def test_the_embed_shows_matching_rows_and_counts_by_area(demolitions):
    conditions = [
        {"field": "neighborhood", "value": "Ivanhoe"},
        {"field": "status", "value": "planned"},
    ]
    embed = dataset_rows(demolitions, conditions)
    assert embed.total == 2
    assert "parcel_id" not in embed.columns
    assert embed.by_area["neighborhoods"] == {"Ivanhoe": 2.0}
    assert embed.by_area["council-districts"] == {"3": 2.0}


def test_the_update_page_draws_rows_and_a_map(client, demolitions, measure):
    update = Update.objects.create(
        title="Demolitions planned in Ivanhoe this quarter",
        slug="ivanhoe-demolitions",
        body="Two vacant buildings.",
        published_at=timezone.now(),
        dataset=demolitions,
        dataset_filter=[
            {"field": "neighborhood", "value": "Ivanhoe"},
            {"field": "status", "value": "planned"},
        ],
        measure=measure,
    )
    page = client.get(update.get_absolute_url()).content.decode()
    assert "2 Main St" in page and "4 Main St" not in page
    assert "SECRET-PARCEL" not in page
    assert page.count('data-chart-spec="update-map"') == 1
    assert "Potholes fixed within 7 days" in page


def test_staff_publish_an_update_with_areas_and_a_checked_filter(mona, demolitions):
    client = signed_in(mona)
    form = {
        "title": "Ivanhoe demolitions",
        "slug": "ivanhoe",
        "body": "Soon.",
        "dataset": demolitions.pk,
        "filter_text": "parcel_id = 7",
        "publish": "on",
        "neighborhoods": ["Ivanhoe"],
        "districts": ["1"],
    }
    refused = client.post("/staff/updates/new/", form)
    assert refused.status_code == 400
    assert "parcel_id is not a public column" in refused.content.decode()
    assert "Ivanhoe demolitions" in refused.content.decode()
    form["filter_text"] = "neighborhood = Ivanhoe"
    assert client.post("/staff/updates/new/", form).status_code == 302
    update = Update.objects.get()
    assert update.is_published and update.author == mona
    assert update.dataset_filter == [{"field": "neighborhood", "value": "Ivanhoe"}]
    assert set(update.areas.values_list("kind", "name")) == {
        ("neighborhood", "Ivanhoe"),
        ("district", "1"),
    }


def test_updates_appear_by_area_search_and_feed(client, city):
    published = Update.objects.create(
        title="Ivanhoe news", slug="n1", body="Trees planted.", published_at=timezone.now()
    )
    published.areas.create(kind=AreaKind.NEIGHBORHOOD, name="Ivanhoe")
    Update.objects.create(title="Draft", slug="draft", body="Not yet.")
    assert recent_updates(neighborhood="Ivanhoe") == [published]
    assert recent_updates(neighborhood="Westport") == []
    assert updates_matching("trees") == [published]
    assert updates_matching("Not yet") == []
    assert client.get("/updates/draft/").status_code == 404
    # The neighborhood's own page and feed (citystat/public/places.py) read recent_updates.
    feed = client.get("/neighborhoods/ivanhoe/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Ivanhoe news" in feed.content.decode()
    assert "Ivanhoe news" in client.get("/neighborhoods/ivanhoe/").content.decode()
