from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.catalog.presets import KC_311_COLUMNS, KC_311_IGNORED, SERVICE_REQUESTS_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
SCORES_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "opened", "type": "date", "format": "any"},
        {"name": "score", "type": "number", "constraints": {"maximum": 10}},
    ],
    "primaryKey": ["id"],
}


@pytest.fixture
def requests_dataset(db):
    return Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        table_schema=SERVICE_REQUESTS_SCHEMA,
        column_map=KC_311_COLUMNS,
        ignored_columns=KC_311_IGNORED,
        is_public=True,
        update_frequency="daily",
    )


@pytest.fixture
def scores(db):
    return Dataset.objects.create(slug="scores", title="Scores", table_schema=SCORES_SCHEMA)


def write(folder: Path, text: str, name: str = "scores.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def published(slug: str) -> list[tuple[Any, ...]]:
    with warehouse._connect() as connection:
        return connection.execute(
            f"select * from {warehouse.table_name(slug)} order by 1"
        ).fetchall()
