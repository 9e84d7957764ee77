"""Every load is a version; readers switch in one step; old versions roll back and expire."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import DatasetVersion
from citystat.catalog.versions import VersionError, rollback

from .conftest import published, write


def load(dataset, tmp_path, *ids: int, name: str = "v.csv", **options) -> DatasetVersion:
    rows = "".join(f"{i},01/07/2020,{i % 10}\n" for i in ids)
    return ingest(dataset, write(tmp_path, "id,opened,score\n" + rows, name), **options)


def test_each_published_version_is_its_own_file_and_one_row_points_at_it(scores, tmp_path):
    load(scores, tmp_path, 1)
    load(scores, tmp_path, 1, 2)
    folder = warehouse.dataset_folder("scores")
    assert sorted(p.name for p in folder.glob("v*.parquet")) == ["v1.parquet", "v2.parquet"]
    statuses = dict(scores.versions.values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "published"}
    assert warehouse.row_count("scores") == 2


def test_a_reader_that_opened_before_a_publish_keeps_reading_the_old_version(scores, tmp_path):
    load(scores, tmp_path, 1)
    with warehouse._connect() as reader:
        load(scores, tmp_path, 1, 2, 3)
        before = reader.execute(f"select count(*) from {warehouse.table_name('scores')}")
        assert before.fetchone() == (1,)
    with warehouse._connect() as reader:
        after = reader.execute(f"select count(*) from {warehouse.table_name('scores')}")
        assert after.fetchone() == (3,)


def test_a_failed_load_leaves_no_file_and_the_published_version_in_place(scores, tmp_path):
    load(scores, tmp_path, 1)
    with pytest.raises(IngestError):
        ingest(scores, write(tmp_path, "id,opened,score\n2,01/07/2020,99\n", "bad.csv"))
    names = sorted(p.name for p in warehouse.dataset_folder("scores").iterdir())
    assert names == [".lock", "v1.parquet"]
    assert [row[0] for row in published("scores")] == [1]


def test_a_load_records_source_checksum_who_and_timings(scores, tmp_path):
    version = load(scores, tmp_path, 1, started_by="test")
    assert version.checksum.startswith("crc32:") and len(version.checksum) == 14
    assert version.started_by == "test" and version.bytes_read > 0
    assert set(version.report["timings"]) >= {"header", "read_type_check", "write"}


def test_rollback_publishes_the_version_before(scores, tmp_path):
    load(scores, tmp_path, 1)
    load(scores, tmp_path, 1, 2)
    assert rollback(scores).number == 1
    assert [row[0] for row in published("scores")] == [1]
    assert dict(scores.versions.values_list("number", "status")) == {
        1: "published",
        2: "superseded",
    }


def test_rollback_to_a_named_version_and_back_again(scores, tmp_path):
    for count in (1, 2, 3):
        load(scores, tmp_path, *range(1, count + 1))
    rollback(scores, to=1)
    assert warehouse.row_count("scores") == 1
    rollback(scores, to=3)
    assert warehouse.row_count("scores") == 3


def test_rollback_refuses_a_version_that_is_not_kept(scores, tmp_path, settings):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    for count in (1, 2, 3):
        load(scores, tmp_path, *range(1, count + 1))
    with pytest.raises(VersionError, match=r"no kept version 1 \(kept: v3, v2\)"):
        rollback(scores, to=1)


def test_only_the_last_k_versions_keep_their_files(scores, tmp_path, settings):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    for count in (1, 2, 3, 4):
        load(scores, tmp_path, *range(1, count + 1))
    folder = warehouse.dataset_folder("scores")
    assert sorted(p.name for p in folder.glob("v*.parquet")) == ["v3.parquet", "v4.parquet"]
    assert dict(scores.versions.values_list("number", "status"))[1] == "removed"


def test_append_and_upsert_make_a_new_full_version(scores, tmp_path):
    load(scores, tmp_path, 1)
    load(scores, tmp_path, 2, name="b.csv", mode="append")
    ingest(scores, write(tmp_path, "id,opened,score\n2,01/07/2020,9\n", "c.csv"), mode="upsert")
    assert [(row[0], row[2]) for row in published("scores")] == [(1, 1.0), (2, 9.0)]
    assert scores.latest_version.number == 3


def test_append_refuses_a_key_already_published(scores, tmp_path):
    load(scores, tmp_path, 1)
    with pytest.raises(IngestError, match="already published in v1.*--mode upsert"):
        load(scores, tmp_path, 1, name="again.csv", mode="append")


def test_citystat_rollback_says_what_it_published(scores, tmp_path, capsys):
    load(scores, tmp_path, 1)
    load(scores, tmp_path, 1, 2)
    call_command("rollback", "scores")
    assert "scores: v1 is published again (1 rows)." in capsys.readouterr().out


def test_citystat_rollback_without_an_older_version_exits_2(scores, tmp_path):
    load(scores, tmp_path, 1)
    with pytest.raises(CommandError, match="no version older than v1") as caught:
        call_command("rollback", "scores")
    assert caught.value.returncode == 2


def test_the_health_check_notices_a_missing_published_file(scores, tmp_path):
    load(scores, tmp_path, 1)
    warehouse.version_path("scores", 1).unlink()
    with pytest.raises(warehouse.WarehouseUnavailable, match="missing"):
        warehouse.check()
