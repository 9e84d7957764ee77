"""Several files, one version; headers matched regardless of case and punctuation; a date
field holding datetimes reported once (issue #17)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset, DatasetVersion

from .conftest import published, write

REQUESTS = {
    "fields": [
        {"name": "srnumber", "type": "string", "constraints": {"required": True}},
        {"name": "creation_date", "type": "datetime", "format": "%m/%d/%Y %I:%M:%S %p"},
        {"name": "district", "type": "integer"},
        {"name": "note", "type": "string"},
    ],
    "primaryKey": ["srnumber"],
}
HEADER = "SRNumber,CREATION DATE,District,Note\n"
FIRST = HEADER + "1-A,12/27/2017 01:36:22 PM,3,x\n1-B,12/27/2017 12:05:00 AM,4,y\n"
SECOND = HEADER + "2-A,01/02/2018 11:59:59 PM,15,z\n"


@pytest.fixture
def requests(db):
    return Dataset.objects.create(slug="requests", title="Requests", table_schema=REQUESTS)


def frame(slug: str) -> pd.DataFrame:
    with warehouse._connect() as connection:
        return connection.execute(
            f"select * from {warehouse.table_name(slug)} order by srnumber"
        ).df()


def test_two_files_publish_as_one_version_holding_both_files_rows(requests, tmp_path):
    first, second = write(tmp_path, FIRST, "a.csv"), write(tmp_path, SECOND, "b.csv")
    version = ingest(requests, [first, second])
    assert requests.versions.count() == 1
    assert version.report["sources"] == [str(first), str(second)]
    expected = pd.concat([pd.read_csv(first), pd.read_csv(second)])
    expected["created"] = pd.to_datetime(expected["CREATION DATE"], format="%m/%d/%Y %I:%M:%S %p")
    got = frame("requests")
    assert list(got["srnumber"]) == sorted(expected["SRNumber"])
    by_number = expected.set_index("SRNumber")
    for row in got.itertuples():
        assert row.creation_date == by_number.loc[row.srnumber, "created"]
        assert row.district == by_number.loc[row.srnumber, "District"]
    assert got["creation_date"].iloc[0] == pd.Timestamp(dt.datetime(2017, 12, 27, 13, 36, 22))


def test_a_bad_row_in_the_second_file_rejects_the_whole_version_naming_file_row_and_field(
    requests, tmp_path
):
    ingest(requests, write(tmp_path, FIRST, "old.csv"))
    before = published("requests")
    first = write(tmp_path, SECOND, "a.csv")
    second = write(
        tmp_path, HEADER + "3-A,01/03/2018 10:00:00 AM,3,q\n3-B,yesterday,4,w\n", "b.csv"
    )
    with pytest.raises(IngestError) as caught:
        ingest(requests, [first, second])
    message = str(caught.value)
    assert f"file {second}" in message
    assert "line 3, field 'creation_date', value 'yesterday'" in message
    assert published("requests") == before
    failed = requests.versions.get(status=DatasetVersion.Status.FAILED)
    assert failed.report["rejects"][0]["file"] == str(second)
    assert requests.latest_version.number == 1


def test_a_key_repeated_in_the_second_file_is_refused_there(requests, tmp_path):
    first = write(tmp_path, FIRST, "a.csv")
    second = write(tmp_path, HEADER + "9-Z,01/03/2018 10:00:00 AM,3,q\n1-B,,4,w\n", "b.csv")
    with pytest.raises(IngestError) as caught:
        ingest(requests, [first, second])
    assert f"file {second}: 1 row(s)" in str(caught.value)
    assert "line 3, field 'srnumber', value '1-B'" in str(caught.value)
    assert not warehouse.version_path("requests", 1).exists()


def test_a_file_without_an_optional_column_loads_it_empty_beside_one_that_has_it(
    requests, tmp_path
):
    first = write(tmp_path, FIRST, "a.csv")
    second = write(tmp_path, "srnumber,creation_date,note\n2-A,01/02/2018 11:59:59 PM,z\n", "b.csv")
    version = ingest(requests, [first, second])
    assert version.row_count == 3
    got = frame("requests").set_index("srnumber")
    assert got.loc["1-A", "district"] == 3
    assert pd.isna(got.loc["2-A", "district"])
    assert any("'district'" in warning for warning in version.report["warnings"])


def test_headers_match_fields_regardless_of_case_spaces_and_punctuation(requests, tmp_path):
    version = ingest(requests, write(tmp_path, FIRST))
    assert version.row_count == 2
    assert list(frame("requests")["srnumber"]) == ["1-A", "1-B"]


def test_two_headers_reading_as_one_field_are_refused_naming_both(requests, tmp_path):
    text = "SRNumber,CREATION DATE,Creation-Date,District,Note\n1-A,,,3,x\n"
    with pytest.raises(IngestError) as caught:
        ingest(requests, write(tmp_path, text))
    assert "'CREATION DATE' and 'Creation-Date' both match field 'creation_date'" in str(
        caught.value
    )
    assert not Dataset.objects.get(slug="requests").versions.filter(status="published").exists()


def test_an_exact_header_wins_over_one_that_only_normalises_to_the_field(db, tmp_path):
    schema = {"fields": [{"name": "ab", "type": "integer"}, {"name": "a_b", "type": "integer"}]}
    dataset = Dataset.objects.create(slug="pairs", title="Pairs", table_schema=schema)
    ingest(dataset, write(tmp_path, "A B,ab\n1,2\n"))
    assert published("pairs") == [(2, 1)]


def test_a_datetime_in_a_date_field_is_reported_once_with_the_format_that_reads_it(db, tmp_path):
    schema = {"fields": [{"name": "opened", "type": "date", "format": "any"}]}
    dataset = Dataset.objects.create(slug="opened", title="Opened", table_schema=schema)
    rows = "".join(f"12/{day:02d}/2017 01:36:22 PM\n" for day in range(1, 21))
    with pytest.raises(IngestError) as caught:
        ingest(dataset, write(tmp_path, "opened\n" + rows))
    message = str(caught.value)
    assert "this looks like `%m/%d/%Y %I:%M:%S %p`; set the field's type to datetime" in message
    failed = dataset.versions.get()
    assert failed.rows_rejected == 20
    assert len(failed.report["rejects"]) == 1


def test_ingest_command_loads_several_files_as_one_version(requests, tmp_path, capsys):
    first, second = write(tmp_path, FIRST, "a.csv"), write(tmp_path, SECOND, "b.csv")
    call_command("ingest", "requests", str(first), str(second), verbosity=0)
    assert "requests v1: 3 rows read, 0 rejected, 3 published." in capsys.readouterr().out
    assert Dataset.objects.get(slug="requests").source == ""


def test_ingest_command_names_the_file_of_each_reject(requests, tmp_path):
    first = write(tmp_path, FIRST, "a.csv")
    second = write(tmp_path, HEADER + "3-B,soon,4,w\n", "b.csv")
    with pytest.raises(CommandError) as caught:
        call_command("ingest", "requests", str(first), str(second), verbosity=0)
    assert f"file {second}, line 2, field 'creation_date': 'soon'" in str(caught.value)
