"""A load killed with SIGKILL half-way leaves the published version exactly as it was.

Everything runs in real `citystat` processes with their own SQLite app database and
warehouse folder, because the point is what another process sees after the kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "opened", "type": "date", "format": "any"},
        {"name": "note", "type": "string"},
    ],
    "primaryKey": ["id"],
}
SCRIPT = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.catalog.ingest import ingest

action = sys.argv[1]
if action == "setup":
    call_command("migrate", verbosity=0)
    Dataset.objects.create(slug="people", title="People", table_schema=json.loads(sys.argv[2]))
elif action == "state":
    with warehouse._connect() as connection:
        rows = connection.execute(
            f"select count(*), min(id), max(id) from {warehouse.table_name('people')}"
        ).fetchone()
    dataset = Dataset.objects.get(slug="people")
    print(json.dumps({
        "rows": list(rows),
        "row_count": warehouse.row_count("people"),
        "versions": {v.number: v.status for v in dataset.versions.all()},
        "files": sorted(p.name for p in warehouse.dataset_folder("people").iterdir()),
    }))
"""


def run(tmp_path: Path, *args: str, wait: bool = True) -> Any:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CITYSTAT_WAREHOUSE")
    }
    env.update(CITYSTAT_HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="citystat.settings")
    command = [sys.executable, *args]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def citystat(tmp_path: Path, *args: str, wait: bool = True):
    return run(tmp_path, "-m", "citystat", *args, wait=wait)


def state(tmp_path: Path, script: Path) -> dict[str, Any]:
    result = run(tmp_path, str(script), "state")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def big_csv(path: Path, rows: int) -> Path:
    with duckdb.connect() as connection:
        connection.execute(
            "copy (select range + 1 as id, strftime(date '2020-01-01' + (range % 900)::int, "
            "'%m/%d/%Y') as opened, repeat('x', 40) as note from range(?)) to "
            f"'{path}' (header true)",
            [rows],
        )
    return path


def test_a_load_killed_mid_way_leaves_the_published_version_intact_and_readable(tmp_path):
    (tmp_path / "home").mkdir()
    script = tmp_path / "catalog_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    assert run(tmp_path, str(script), "setup", json.dumps(SCHEMA)).returncode == 0
    first = tmp_path / "first.csv"
    first.write_text("id,opened,note\n1,01/07/2020,a\n2,1/8/20,b\n3,01/09/2020,c\n")
    loaded = citystat(tmp_path, "ingest", "people", str(first), "-v", "0")
    assert loaded.returncode == 0, loaded.stderr
    before = state(tmp_path, script)
    assert before["rows"] == [3, 1, 3]

    load = citystat(
        tmp_path,
        "ingest",
        "people",
        str(big_csv(tmp_path / "big.csv", 6_000_000)),
        "-v",
        "0",
        wait=False,
    )
    folder = tmp_path / "home" / "warehouse" / "people"
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".v2.tmp") for p in folder.iterdir()):
        assert load.poll() is None, "the load finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    load.send_signal(signal.SIGKILL)
    load.communicate()  # waits, and closes its pipes

    after = state(tmp_path, script)
    assert after["rows"] == [3, 1, 3]
    assert after["row_count"] == 3
    assert after["versions"] == {"2": "loading", "1": "published"}
    assert "v2.parquet" not in after["files"]

    again = citystat(tmp_path, "ingest", "people", str(first), "-v", "0")
    assert again.returncode == 0, again.stderr
    recovered = state(tmp_path, script)
    assert recovered["versions"] == {"3": "published", "2": "failed", "1": "superseded"}
    assert [name for name in recovered["files"] if name.startswith(".v")] == []
