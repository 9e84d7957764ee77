"""Kansas City's real 311 sample, published as the public `service-requests` dataset."""

from pathlib import Path

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import KC_311_COLUMNS, KC_311_IGNORED, SERVICE_REQUESTS_SCHEMA

KC_SAMPLE = Path(__file__).parents[2] / "catalog" / "tests" / "fixtures" / "kc311_sample.csv"


@pytest.fixture
def requests_dataset(db, settings, tmp_path) -> Dataset:
    settings.CITYSTAT_HOME = tmp_path / "home"
    dataset = Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        table_schema=SERVICE_REQUESTS_SCHEMA,
        column_map=KC_311_COLUMNS,
        ignored_columns=KC_311_IGNORED,
        is_public=True,
    )
    ingest(dataset, KC_SAMPLE)
    return dataset
