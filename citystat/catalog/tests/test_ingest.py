from pathlib import Path
from typing import Any

import pytest

from citystat.catalog import warehouse
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.presets import KC_311_COLUMNS, KC_311_IGNORED, SERVICE_REQUESTS_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
PEOPLE_SCHEMA = {
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
        title="311",
        table_schema=SERVICE_REQUESTS_SCHEMA,
        column_map=KC_311_COLUMNS,
        ignored_columns=KC_311_IGNORED,
    )


@pytest.fixture
def small_dataset(db):
    return Dataset.objects.create(slug="scores", title="Scores", table_schema=PEOPLE_SCHEMA)


def write(tmp_path: Path, text: str, name: str = "scores.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def published(slug: str) -> list[tuple[Any, ...]]:
    with warehouse._connect() as connection:
        return connection.execute(
            f"select * from {warehouse.table_name(slug)} order by 1"
        ).fetchall()


def test_it_loads_kansas_citys_real_311_export(requests_dataset):
    version = ingest(requests_dataset, FIXTURES / "kc311_sample.csv")
    assert (version.status, version.rows_read, version.rows_rejected) == ("published", 200, 0)
    assert warehouse.row_count("service-requests") == 200


def test_it_reads_us_dates_and_two_digit_years_from_the_real_export(requests_dataset):
    ingest(requests_dataset, FIXTURES / "kc311_sample.csv")
    with warehouse._connect() as connection:
        first = connection.execute(
            "select created_date::varchar, created_time::varchar, exceeded_timeframe "
            'from "ds_service_requests" where case_id = 2020002530'
        ).fetchone()
    assert first == ("2020-01-07", "12:59:00", True)


def test_it_accepts_floats_for_whole_numbers_and_padded_dates(small_dataset, tmp_path):
    path = write(tmp_path, "id,opened,score\n1.0,01/07/2020,3\n2,1/8/20,4.5\n")
    ingest(small_dataset, path)
    assert [row[:2] for row in published("scores")][0][0] == 1
    assert str(published("scores")[1][1]) == "2020-01-08"


def test_it_names_row_field_value_and_expectation_of_a_bad_value(small_dataset, tmp_path):
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n2,not a date,4\n")
    with pytest.raises(IngestError, match=r"line 3, field 'opened', value 'not a date'"):
        ingest(small_dataset, path)


def test_a_failed_load_leaves_the_published_data_as_it_was(small_dataset, tmp_path):
    ingest(small_dataset, write(tmp_path, "id,opened,score\n1,01/07/2020,3\n"))
    with pytest.raises(IngestError):
        ingest(small_dataset, write(tmp_path, "id,opened,score\n5,01/07/2020,99\n", "bad.csv"))
    assert [row[0] for row in published("scores")] == [1]
    assert DatasetVersion.objects.filter(status="failed").count() == 1


def test_max_rejects_publishes_the_good_rows_and_reports_the_bad(small_dataset, tmp_path):
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n2,01/08/2020,11\n")
    version = ingest(small_dataset, path, max_rejects=1)
    assert [row[0] for row in published("scores")] == [1]
    assert version.report["rejects"][0]["expected"] == "≤ 10"


def test_duplicate_primary_keys_are_rejected(small_dataset, tmp_path):
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n1,01/08/2020,4\n")
    with pytest.raises(IngestError, match="1 row"):
        ingest(small_dataset, path)


def test_a_missing_required_column_names_the_map_to_pass(small_dataset, tmp_path):
    path = write(tmp_path, "ident,opened,score\n1,01/07/2020,3\n")
    with pytest.raises(IngestError, match="pass --map id=COLUMN"):
        ingest(small_dataset, path)


def test_column_map_renames_source_columns(small_dataset, tmp_path):
    path = write(tmp_path, "ident,opened,score\n7,01/07/2020,3\n")
    ingest(small_dataset, path, column_map={"id": "ident"})
    assert published("scores")[0][0] == 7


def test_append_and_upsert_modes(small_dataset, tmp_path):
    ingest(small_dataset, write(tmp_path, "id,opened,score\n1,01/07/2020,3\n"))
    ingest(
        small_dataset, write(tmp_path, "id,opened,score\n2,01/07/2020,4\n", "b.csv"), mode="append"
    )
    ingest(
        small_dataset, write(tmp_path, "id,opened,score\n2,01/07/2020,9\n", "c.csv"), mode="upsert"
    )
    assert [(row[0], row[2]) for row in published("scores")] == [(1, 3.0), (2, 9.0)]


def test_a_missing_file_is_one_clear_sentence(small_dataset, tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        ingest(small_dataset, tmp_path / "nope.csv")
