"""One citystat portal harvests another: the catalog's Socrata source reads a dataset
through a running citystat's SODA API, page by page (#9)."""

from __future__ import annotations

from typing import Any

import pytest

from citystat.api.soda import four_by_four
from citystat.api.soql import columns_from_schema
from citystat.catalog import sources, warehouse
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset


def public_fields(dataset: Dataset) -> list[dict[str, Any]]:
    public = columns_from_schema(dataset.fields)
    return [field for field in dataset.fields if field["name"] in public]


def as_socrata_writes_them(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Declare values in the shape SODA writes them, as a city harvesting a Socrata portal
    would in its dataset's Table Schema: dates as floating timestamps, checkboxes as JSON
    true and false (not the source file's Y and N)."""
    harvested = []
    for field in fields:
        if field.get("type") == "date":
            field = {**field, "format": "%Y-%m-%dT%H:%M:%S.%f"}
        if field.get("type") == "boolean":
            field = {k: v for k, v in field.items() if k not in ("trueValues", "falseValues")}
        harvested.append(field)
    return harvested


def published_rows(slug: str, names: list[str]) -> list[tuple[Any, ...]]:
    columns = ", ".join(f'"{name}"' for name in names)
    with warehouse._connect() as connection:
        return connection.execute(
            f'select {columns} from "ds_{slug.replace("-", "_")}" order by case_id'
        ).fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_dataset_is_harvested_from_a_running_citystat(
    live_server, requests_dataset, monkeypatch, settings
):
    # Small pages, so the harvest has to page by $offset through the whole dataset.
    monkeypatch.setattr(sources, "SOCRATA_PAGE_SIZE", 70)
    # The other citystat runs on this machine: an intranet source, named in the allow-list.
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["localhost"]
    copy = Dataset.objects.create(
        slug="harvested-requests",
        title="311 service requests (harvested)",
        table_schema={
            **requests_dataset.table_schema,
            "fields": as_socrata_writes_them(public_fields(requests_dataset)),
        },
        is_public=False,
    )
    host = live_server.url.removeprefix("http://")
    version = ingest(copy, f"socrata+http://{host}/{four_by_four('service-requests')}")
    assert version.row_count == requests_dataset.latest_version.row_count == 200
    names = [field["name"] for field in public_fields(requests_dataset)]
    assert "street_address" not in names
    assert published_rows("harvested-requests", names) == published_rows("service-requests", names)
