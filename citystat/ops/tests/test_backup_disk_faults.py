"""`citystat backup` on a full or unwritable disk: status 2, one sentence, no partial file."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import call_command

from citystat.lib.disk import DiskProblem
from citystat.ops import backup


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="copies SQLite's file; on PostgreSQL pg_dump writes the dump (its errors are pg_dump's)",
)
def test_a_full_disk_while_copying_the_database_is_one_sentence(settings, tmp_path, monkeypatch):
    settings.CITYSTAT_HOME = tmp_path

    def full(source, destination):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "snapshot_sqlite", full)
    with pytest.raises(DiskProblem) as caught:
        call_command("backup", str(tmp_path / "city.tar.zst"))
    assert str(caught.value).startswith(f"no space left on the disk of {tmp_path}; free some")
    assert list(tmp_path.glob("city.tar.zst*")) == []


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_while_writing_the_archive_leaves_no_partial_file(
    settings, tmp_path, monkeypatch
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    output = tmp_path / "backups" / "city.tar.zst"
    output.parent.mkdir()

    def full(archive, folder, name):
        raise OSError(errno.ENOSPC, "No space left on device", str(output) + ".partial")

    monkeypatch.setattr(backup, "add_folder", full)
    with pytest.raises(DiskProblem) as caught:
        call_command("backup", str(output))
    assert str(caught.value).startswith(
        f"no space left on the disk of {output}.partial; free some space"
    )
    assert list(output.parent.iterdir()) == []


def test_a_backup_into_a_folder_it_cannot_write_exits_2_without_a_traceback(tmp_path):
    target = "/sys/citystat-backup.tar.zst"
    if os.access("/sys", os.W_OK) and not os.path.ismount("/sys"):
        pytest.skip("/sys is writable here")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CITYSTAT_") and key != "DATABASE_URL"
    }
    environment["CITYSTAT_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-m", "citystat", "backup", target],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("citystat: the folder /sys is not writable by this user")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
