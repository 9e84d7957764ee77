"""A backup taken while a load runs holds neither its staging file nor its row (#16, Low 16)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import zstandard

from citystat.catalog.ingest import ingest
from citystat.catalog.load import Load
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.tests.conftest import SCORES_SCHEMA, write
from citystat.catalog.versions import LEFT_OUT_OF_BACKUP, fail_loads_after_restore
from citystat.ops.backup import create_backup

# These read the archive's SQLite copy of the database; on PostgreSQL the same rows are
# marked failed by the restore hook (fail_loads_after_restore), tested below on its own.
SQLITE_ONLY = pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="reads the SQLite copy inside the archive",
)

GOOD = "id,opened,score\n1,01/07/2020,3\n"


@pytest.fixture
def scores(db):
    return Dataset.objects.create(slug="scores", title="Scores", table_schema=SCORES_SCHEMA)


def archive_members(archive: Path, folder: Path) -> list[str]:
    with (
        open(archive, "rb") as raw,
        zstandard.ZstdDecompressor().stream_reader(raw) as stream,
        tarfile.open(fileobj=stream, mode="r|") as members,
    ):
        names = []
        for member in members:
            names.append(member.name)
            members.extract(member, folder, filter="data")
    return names


@pytest.fixture
def backup_mid_load(scores, tmp_path, monkeypatch):
    """Load v1, then take a backup from inside the load of v2, once its staging file exists."""
    ingest(scores, write(tmp_path, GOOD, "v1.csv"))
    archive = tmp_path / "mid-load.tar.zst"
    real_merge = Load.merge

    def merge_then_back_up(load, connection, source):
        assert load.staging.is_file()
        assert scores.versions.get(number=2).status == DatasetVersion.Status.LOADING
        create_backup(archive)
        return real_merge(load, connection, source)

    monkeypatch.setattr(Load, "merge", merge_then_back_up)
    ingest(scores, write(tmp_path, GOOD.replace("3\n", "4\n"), "v2.csv"))
    return archive


@pytest.mark.django_db(transaction=True)
@SQLITE_ONLY
def test_the_archive_holds_no_staging_file_and_the_load_as_failed(backup_mid_load, tmp_path):
    unpacked = tmp_path / "unpacked"
    names = archive_members(backup_mid_load, unpacked)
    assert "warehouse/scores/v1.parquet" in names
    assert not [name for name in names if "/." in name]  # no .v2.tmp-…, .lock, .tmp-duckdb-…
    database = sqlite3.connect(unpacked / "database.sqlite3")
    rows = database.execute(
        "select number, status, report from catalog_datasetversion order by number"
    ).fetchall()
    assert [(number, status) for number, status, _ in rows] == [(1, "published"), (2, "failed")]
    assert LEFT_OUT_OF_BACKUP in rows[1][2]


@pytest.mark.django_db(transaction=True)
@SQLITE_ONLY
def test_a_restore_of_it_shows_the_old_version_and_no_load_running(backup_mid_load, tmp_path):
    home = tmp_path / "restored"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CITYSTAT_") and key != "DATABASE_URL"
    }
    environment["CITYSTAT_HOME"] = str(home)
    restore = [sys.executable, "-m", "citystat", "restore", str(backup_mid_load)]
    restored = subprocess.run(restore, env=environment, capture_output=True, text=True)
    assert restored.returncode == 0, restored.stderr
    database = sqlite3.connect(home / "citystat.sqlite3")
    statuses = database.execute(
        "select number, status from catalog_datasetversion order by number"
    ).fetchall()
    assert statuses == [(1, "published"), (2, "failed")]
    assert sorted(p.name for p in (home / "warehouse" / "scores").iterdir()) == ["v1.parquet"]


def test_a_restored_postgresql_dump_has_its_running_loads_marked_failed(scores):
    # pg_dump's archive cannot be edited, so the restore marks what it caught running.
    scores.versions.create(
        number=1, status="loading", source="x.csv", started_at="2026-01-01T00:00Z"
    )
    fail_loads_after_restore()
    version = scores.versions.get(number=1)
    assert version.status == "failed" and version.message == LEFT_OUT_OF_BACKUP
