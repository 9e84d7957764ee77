"""Every kind of bad file is refused with dataset, file, line, field, expectation and a fix."""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from citystat.catalog import load as load_module
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.lib.sizes import human_size

from .conftest import published, write

GOOD = "id,opened,score\n1,01/07/2020,3\n"


@pytest.fixture
def live(scores, tmp_path):
    ingest(scores, write(tmp_path, GOOD, "good.csv"))
    return scores


def refused(dataset, path, **options) -> str:
    with pytest.raises(IngestError) as caught:
        ingest(dataset, path, **options)
    return str(caught.value)


def test_a_bad_date_names_dataset_file_line_field_value_and_what_to_do(live, tmp_path):
    path = write(tmp_path, "id,opened,score\n2,01/07/2020,3\n3,31/31/2020,4\n")
    message = refused(live, path)
    assert "dataset 'scores', file" in message and "bad.csv" not in message
    assert "line 3, field 'opened', value '31/31/2020', expected a date like %m/%d/%y" in message
    assert "Nothing was published" in message and "--max-rejects" in message
    assert published("scores") == [(1, published("scores")[0][1], 3.0)]


def test_text_in_a_number_column_is_a_reject(live, tmp_path):
    message = refused(live, write(tmp_path, "id,opened,score\n2,01/07/2020,three\n"))
    assert "line 2, field 'score', value 'three', expected a number" in message


def test_a_fraction_in_a_whole_number_column_is_not_rounded(live, tmp_path):
    message = refused(live, write(tmp_path, "id,opened,score\n2.5,01/07/2020,3\n"))
    assert "field 'id', value '2.5', expected a whole number" in message


def test_line_numbers_count_line_breaks_inside_quoted_fields(tmp_path, db):
    dataset = Dataset.objects.create(
        slug="notes",
        title="Notes",
        table_schema={"fields": [{"name": "note"}, {"name": "n", "type": "integer"}]},
    )
    path = write(tmp_path, 'note,n\n"two\nlines",1\n"three\nlines\nhere",2\nplain,x\n')
    assert "line 7, field 'n', value 'x'" in refused(dataset, path)


def test_duplicate_keys_are_refused_with_the_line_of_the_repeat(live, tmp_path):
    path = write(tmp_path, "id,opened,score\n5,01/07/2020,3\n6,01/07/2020,3\n5,01/08/2020,4\n")
    message = refused(live, path)
    assert "1 row(s)" in message
    assert "line 4, field 'id', value '5', expected a value not already used" in message


def test_a_unique_field_refuses_repeats_too(db, tmp_path):
    schema = {"fields": [{"name": "code", "constraints": {"unique": True}}]}
    dataset = Dataset.objects.create(slug="codes", title="Codes", table_schema=schema)
    message = refused(dataset, write(tmp_path, "code\na\nb\na\n"))
    assert "line 4, field 'code', value 'a'" in message


def test_a_missing_required_column_is_reported_before_any_row_is_read(live, tmp_path):
    message = refused(live, write(tmp_path, "ident,opened,score\n1,01/07/2020,3\n"))
    assert "line 1 (the header)" in message
    assert "no column 'id' for required field 'id' (pass --map id=COLUMN)" in message
    assert DatasetVersion.objects.get(number=2).report["missing"]


def test_an_unknown_column_is_reported_and_can_be_ignored(live, tmp_path):
    path = write(tmp_path, "id,opened,score,secret\n2,01/07/2020,3,x\n")
    assert "unknown column(s) 'secret'" in refused(live, path)
    version = ingest(live, path, ignored_columns=["secret"])
    assert version.status == "published"


def test_a_missing_optional_column_is_left_empty_with_a_warning(live, tmp_path):
    version = ingest(live, write(tmp_path, "id,opened\n2,01/07/2020\n"))
    assert version.report["warnings"] == ["no column 'score' for field 'score'; it was left empty."]
    assert published("scores")[0][2] is None


def test_a_truncated_file_names_the_line_that_is_cut_off(live, tmp_path):
    path = write(tmp_path, "id,opened,score\n2,01/07/2020,3\n3,01/08/2020,4\n4,01/0")
    message = refused(live, path)
    assert "cannot be read" in message and "cut off" in message
    assert "4" in message.split("cannot be read")[1]
    assert [row[0] for row in published("scores")] == [1]


def test_an_unterminated_quote_is_refused(live, tmp_path):
    message = refused(live, write(tmp_path, 'id,opened,score\n2,"01/07/2020,3\n'))
    assert "cannot be read" in message


def test_a_file_in_the_wrong_encoding_says_which_encoding_to_pass(live, tmp_path):
    path = write(tmp_path, "id,opened,score\n2,01/07/2020,3\n", encoding="utf-16")
    message = refused(live, path)
    assert "is not UTF-8 text" in message and "--encoding" in message
    assert ingest(live, path, encoding="utf-16").row_count == 1


def test_latin_1_text_loads_when_told(db, tmp_path):
    dataset = Dataset.objects.create(
        slug="names", title="N", table_schema={"fields": [{"name": "name"}]}
    )
    path = write(tmp_path, "name\nJosé\n", encoding="latin-1")
    assert "is not UTF-8 text" in refused(dataset, path)
    ingest(dataset, path, encoding="latin-1")
    assert published("names") == [("José",)]


def test_an_empty_file_is_refused(live, tmp_path):
    message = refused(live, write(tmp_path, ""))
    assert message.startswith("dataset 'scores', file ") and "is empty" in message


def test_an_unknown_format_is_refused(live, tmp_path):
    assert "cannot tell the format" in refused(live, write(tmp_path, GOOD, "scores.xlsx"))


def test_every_failure_is_recorded_as_a_failed_version_with_its_report(live, tmp_path):
    refused(live, write(tmp_path, "id,opened,score\n2,01/07/2020,11\n"))
    failed = DatasetVersion.objects.get(status="failed")
    assert failed.report["rejects"] == [
        {"line": 2, "field": "score", "value": "11", "expected": "≤ 10"}
    ]
    assert "Nothing was published" in failed.report["message"]
    assert live.latest_version.number == 1


def test_a_two_digit_year_after_the_sample_still_reads_as_this_century(
    scores, tmp_path, monkeypatch
):
    monkeypatch.setattr(load_module, "FORMAT_SAMPLE_ROWS", 1)
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n2,1/8/20,4\n3,2020-01-09,5\n")
    ingest(scores, path)
    assert [str(row[1]) for row in published("scores")] == [
        "2020-01-07",
        "2020-01-08",
        "2020-01-09",
    ]


def test_a_50000_column_header_with_repeats_is_refused_quickly_in_one_short_sentence(
    live, tmp_path
):
    names = [f"c{number % 25_000}" for number in range(50_000)]
    path = write(tmp_path, ",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    started = time.perf_counter()
    message = refused(live, path)
    assert time.perf_counter() - started < 5
    assert "25000 column name(s) appear more than once ('c0', 'c1', 'c10'" in message
    assert "and 24,995 more" in message and len(message) < 400
    assert published("scores") == [(1, dt.date(2020, 1, 7), 3.0)]


def test_a_50000_column_file_of_unknown_columns_is_refused_quickly_in_one_short_sentence(
    live, tmp_path
):
    names = ["id", "opened", "score", *(f"extra{number}" for number in range(50_000))]
    path = write(tmp_path, ",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    started = time.perf_counter()
    message = refused(live, path)
    assert time.perf_counter() - started < 5
    assert "50,000 unknown column(s) 'extra0', 'extra1'" in message and len(message) < 1500
    report = live.versions.order_by("-number").first().report
    assert len(report["columns"]) == 40 and len(report["unknown"]) == 40


def test_a_parquet_file_that_decodes_to_far_more_than_its_size_is_refused(live, tmp_path):
    path = tmp_path / "bomb.parquet"
    rows = 300_000
    pq.write_table(pa.table({"id": pa.repeat(1, rows), "score": pa.repeat(2.0, rows)}), path)
    size = path.stat().st_size
    message = refused(live, path)
    assert (
        f"file {path}: the {human_size(size)} file decodes to 300,000 rows × 3 columns" in message
    )
    assert "at least 900.0 kB as text, more than CITYSTAT_MAX_EXPANSION=200 times" in message
    assert published("scores") == [(1, dt.date(2020, 1, 7), 3.0)]
    assert live.versions.order_by("-number").first().status == DatasetVersion.Status.FAILED


def test_the_expansion_limit_is_a_setting(live, tmp_path, settings):
    settings.CITYSTAT_MAX_EXPANSION = 1_000_000_000
    path = tmp_path / "repetitive.parquet"
    rows = 300_000
    pq.write_table(pa.table({"id": pa.repeat(1, rows), "score": pa.repeat(2.0, rows)}), path)
    message = refused(live, path)
    assert "CITYSTAT_MAX_EXPANSION" not in message and "already used earlier" in message
