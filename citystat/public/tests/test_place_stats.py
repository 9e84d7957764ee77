"""Place statistics read through the engine session: the computed days to close, a 311
dataset the pages cannot read, and the warehouse's private DuckDB door (issue #22)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from django.core.cache import cache

from citystat.catalog.models import Dataset
from citystat.public import place_stats
from citystat.public.tests.small_city import US_DATETIME, build_small_city


@pytest.fixture
def datetime_city(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    return build_small_city(tmp_path / "source", datetimes=True)


def withhold(slug: str, name: str) -> None:
    """Withhold field `name` of dataset `slug` (its column stays in the warehouse)."""
    dataset = Dataset.objects.get(slug=slug)
    fields = [
        {**spec, "public": False} if spec["name"] == name else spec for spec in dataset.fields
    ]
    dataset.table_schema = {**dataset.table_schema, "fields": fields}
    dataset.save()
    cache.clear()


def test_days_to_close_come_from_datetimes_when_the_export_has_no_such_column(datetime_city):
    withhold("service-requests", "days_to_close")
    rows = pd.read_csv(datetime_city["service-requests"], dtype={"council_district": str})
    created = pd.to_datetime(rows["created_date"], format=US_DATETIME)
    closed = pd.to_datetime(rows["closed_date"], format=US_DATETIME)
    rows["days"] = (closed - created).dt.total_seconds() / 86400
    recent = rows[created.dt.normalize() > created.max().normalize() - pd.Timedelta(days=365)]
    area = recent[recent["neighborhood"] == "Shoal Creek"]
    assert (rows["days"] % 1 != 0).any()  # times of day make fractions of days

    found = place_stats.area_requests("neighborhood", "Shoal Creek")

    assert found is not None
    assert found.area_requests == len(area)
    assert found.area_open == int(area["closed_date"].isna().sum())
    assert found.area_median_days == pytest.approx(area["days"].median(), rel=1e-12)
    assert found.city_median_days == pytest.approx(recent["days"].median(), rel=1e-12)
    for row in found.by_type:
        group = area[area["type"] == row.request_type]
        assert row.area_requests == len(group)
        assert row.area_median_days == pytest.approx(group["days"].median(), rel=1e-12)
    expected = area["council_district"].value_counts()
    assert dict(found.districts) == {str(k): int(v) for k, v in expected.items()}


def test_a_311_dataset_without_a_needed_field_gets_a_message_on_the_page(datetime_city, client):
    withhold("service-requests", "closed_date")

    response = client.get("/neighborhoods/shoal-creek/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "311 service requests has no public closed_date column" in html
    assert 'id="requests-title"' not in html
    assert place_stats.area_requests("neighborhood", "Shoal Creek") is None


def test_a_demolitions_dataset_without_a_status_gets_a_message_on_the_page(datetime_city, client):
    withhold("demolitions", "status")

    html = client.get("/neighborhoods/westport/").content.decode()

    assert "Dangerous building demolitions has no public status column" in html
    assert 'id="demolitions-title"' not in html


ALLOWED = {"warehouse.py", "load.py", "ingest.py"}


def test_only_the_load_opens_the_warehouses_private_duckdb_door():
    """Every reader goes through catalog.engines.open_session; the DuckDB connection of
    catalog/warehouse.py is for the load (ingest and load) alone; tests may look in it."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or (path.parent.name == "catalog" and path.name in ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.name
                if isinstance(node, ast.alias)
                else None
            )
            if name in ("_connect", "connect") and uses_warehouse(node, path):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, "warehouse._connect opened outside the load: " + ", ".join(offenders)


def uses_warehouse(node: ast.AST, path: Path) -> bool:
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "warehouse"
    source = path.read_text(encoding="utf-8")
    return "from citystat.catalog.warehouse import" in source and isinstance(node, ast.alias)
