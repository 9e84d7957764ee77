"""`citystat doctor` says what each part of the home uses on disk (#16, Medium 9)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def home(settings, tmp_path):
    home = tmp_path / "home"
    settings.CITYSTAT_HOME = home
    settings.CITYSTAT_WAREHOUSE = str(home / "warehouse")
    settings.MEDIA_ROOT = home / "media"
    files = {
        "warehouse/potholes/v1.parquet": 3_000,
        "warehouse/potholes/.v2.tmp-77.parquet": 500,
        "exports/potholes/potholes-v1.csv": 20_000,
        "media/uploads/potholes/20261206T120000-potholes.csv": 4_000,
        "media/city/logo.svg": 100,
        "backups/citystat-2026-12-06.tar.zst": 7_000,
        "notes.txt": 10,
    }
    for name, size in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_bytes(b"x" * size)
    return home


def usage(*arguments: str) -> str:
    out = StringIO()
    call_command("doctor", *arguments, stdout=out)
    return out.getvalue()


def test_json_gives_bytes_and_files_per_part_of_the_home(db, home):
    parts = {part["name"]: part for part in json.loads(usage("--json"))["parts"]}
    assert parts["older versions (rollback)"]["bytes"] == 3_000  # v1 is not published
    assert parts["staging, spill and locks"]["bytes"] == 500
    assert parts["exports"] == {
        "name": "exports", "path": str(home / "exports"), "bytes": 20_000, "files": 1
    }  # fmt: skip
    assert parts["uploads"]["bytes"] == 4_000 and parts["other media"]["bytes"] == 100
    assert parts["backups"]["bytes"] == 7_000
    assert parts["everything else"]["bytes"] == 10
    # SQLite's file is in the home; a PostgreSQL database is not (and counts 0 there).
    database = next(part for name, part in parts.items() if name.startswith("database"))
    assert parts["home total"]["bytes"] == 34_610 + database["bytes"]


def test_the_table_reads_in_human_units(db, home):
    text = usage()
    assert text.startswith(f"Space used in {home}:")
    assert "exports" in text and "20.0 kB" in text and "Free on its disk:" in text
