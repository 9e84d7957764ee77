"""A full disk or a read-only home stops a load with one sentence about the disk (#16, Low 15)."""

from __future__ import annotations

import errno
import os

import duckdb
import pytest
from django.core.management import call_command
from django.db import OperationalError

from citystat.catalog import load
from citystat.catalog.ingest import ingest
from citystat.catalog.models import DatasetVersion
from citystat.lib.disk import DiskProblem, disk_problem

from .conftest import published, write

GOOD = "id,opened,score\n1,01/07/2020,3\n"


@pytest.fixture
def home(settings, tmp_path):
    # The warehouse (tmp_path/warehouse, root conftest) lies inside this home.
    settings.CITYSTAT_HOME = tmp_path
    return tmp_path


@pytest.fixture
def live(scores, tmp_path, home):
    ingest(scores, write(tmp_path, GOOD, "good.csv"))
    return scores


def test_a_full_disk_during_the_copy_is_not_blamed_on_the_source_file(live, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise duckdb.IOException(
            f'IO Error: Could not write file "{tmp_path}/warehouse/scores/.v2.tmp-1.parquet": '
            "No space left on device"
        )

    monkeypatch.setattr(load.Load, "copy_checked", full)
    source = write(tmp_path, GOOD.replace("3\n", "4\n"), "new.csv")
    with pytest.raises(DiskProblem) as caught:
        call_command("ingest", "scores", str(source), verbosity=0)
    message = str(caught.value)
    assert message.startswith(f"no space left on the disk of {tmp_path}; free some space")
    assert "new.csv" not in message and "cannot be read" not in message
    failed = live.versions.get(number=2)
    assert failed.status == DatasetVersion.Status.FAILED and failed.message == message
    assert live.latest_version.number == 1 and published("scores")[0][2] == 3.0


def test_a_read_only_home_is_named_with_the_file_that_could_not_be_written(
    live, tmp_path, monkeypatch
):
    def read_only(staging, target):
        raise OSError(errno.EROFS, "Read-only file system", str(target))

    monkeypatch.setattr(load, "durable_replace", read_only)
    with pytest.raises(DiskProblem) as caught:
        call_command("ingest", "scores", str(write(tmp_path, GOOD, "again.csv")), verbosity=0)
    assert str(caught.value).startswith(
        f"the home {tmp_path} is read-only: citystat cannot write "
        f"{tmp_path}/warehouse/scores/v2.parquet; mount it read-write"
    )
    assert live.latest_version.number == 1


def test_a_read_only_app_database_is_a_read_only_home(home):
    problem = disk_problem(OperationalError("attempt to write a readonly database"), home)
    assert str(problem).startswith(f"the home {home} is read-only: citystat cannot write there")


def test_an_error_that_is_not_the_disks_is_left_alone(home):
    assert disk_problem(ValueError("bad date"), home) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission bits")
def test_a_warehouse_folder_without_write_permission_is_one_sentence(scores, tmp_path, home):
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse").chmod(0o500)
    try:
        with pytest.raises(DiskProblem) as caught:
            call_command("ingest", "scores", str(write(tmp_path, GOOD)), verbosity=0)
    finally:
        (tmp_path / "warehouse").chmod(0o700)
    assert f"the home {tmp_path} is not writable by this user" in str(caught.value)
