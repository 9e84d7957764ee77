"""A backup taken while the site serves readers and a writer, restored into a fresh
CITYSTAT_HOME, has the same plan, values and dataset versions as the site had (#10).

The site is real: gunicorn with two worker processes (what `citystat serve` runs, without
its first-run collectstatic, minutes on a busy CI machine) on its own SQLite file, as a
small city runs it; not the test database, whose shared in-memory cache locks whole
tables. The writer saves values through the REST API with a staff token.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.slow

SEED = """
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from citystat.accounts.roles import grant_role, sync_roles
from citystat.accounts.testing import make_departments
from citystat.plan.testing import build_scoped_measures
from citystat.accounts.tokens import issue_token
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department

CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=5, population=10_000)
departments = make_departments()
measures = build_scoped_measures(departments)
measures["water"].targets.create(fiscal_year=2026, value=95, tolerance=2)
dataset = Dataset.objects.create(slug="service-requests", title="311 service requests")
now = timezone.now()
dataset.versions.create(
    number=1, status="published", source="r.csv", row_count=3, started_at=now, finished_at=now
)
sync_roles()
office = User.objects.create_user("office", "office@example.gov", "x" * 20)
grant_role(office, "performance-staff")
print(issue_token(office, "load test", "write")[1])
"""
READ_PATHS = ["/api/v1/measures/", "/api/v1/measures/main-breaks-fixed/values/", "/data.json"]


def environment(home: Path) -> dict[str, str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CITYSTAT_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {
        **clean,
        "CITYSTAT_HOME": str(home),
        # The homes share one audit key, as a restore does (docs/operations.md).
        "CITYSTAT_AUDIT_KEY": os.environ["CITYSTAT_AUDIT_KEY"],
        "DJANGO_SETTINGS_MODULE": "citystat.settings",
        "CITYSTAT_API_RATE_ANON": "100000/minute",
        "CITYSTAT_API_RATE_TOKEN": "100000/minute",
    }


def citystat(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "citystat", *arguments],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def months():
    """2001-01, 2001-02, …: a new period for every write, so each write adds one row."""
    year, month = 2001, 1
    while True:
        yield f"{year}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def wait_until_serving(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read() if server.stdout else "server exited")
        try:
            if requests.get(url + "/api/v1/measures/", timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start in two minutes")


def dump(home: Path) -> list[dict[str, Any]]:
    text = citystat(home, "dumpdata", "plan", "catalog", "city").stdout
    return sorted(json.loads(text), key=lambda row: (row["model"], str(row["pk"])))


def test_a_backup_under_load_restores_to_what_the_site_held(tmp_path):
    home = tmp_path / "site"
    citystat(home, "migrate", "--no-input")
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=environment(home), capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    key = seeded.stdout.strip().splitlines()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "citystat.wsgi:application"),
            *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120"),
        ],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stop = threading.Event()
    written: list[str] = []
    failures: list[str] = []

    def write() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {key}"
        for period in months():
            if stop.is_set():
                return
            response = session.post(
                f"{url}/api/v1/measures/main-breaks-fixed/values/",
                json={"values": [{"period": period, "value": 50.5, "source_note": "load"}]},
                timeout=60,
            )
            if response.status_code != 201:
                failures.append(f"POST {period}: {response.status_code} {response.text[:200]}")
                return
            written.append(period)

    def read() -> None:
        session = requests.Session()
        while not stop.is_set():
            for path in READ_PATHS:
                response = session.get(url + path, timeout=60)
                if response.status_code >= 500:
                    failures.append(f"GET {path}: {response.status_code}")

    workers = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(2))]
    try:
        wait_until_serving(url, server)
        for worker in workers:
            worker.start()
        while len(written) < 5 and not failures:
            time.sleep(0.05)
        archive = tmp_path / "under-load.tar.zst"
        citystat(home, "backup", str(archive))
        saved_during_backup = len(written)
        while len(written) < saved_during_backup + 5 and not failures:
            time.sleep(0.05)
    finally:
        stop.set()
        for worker in workers:
            if worker.is_alive():
                worker.join()
        server.terminate()
        server.communicate(timeout=60)  # waits, and closes its pipe
    assert not failures

    fresh = tmp_path / "restored"
    citystat(fresh, "restore", str(archive))
    site, restored = dump(home), dump(fresh)

    # The plan and dataset versions were not written during the load: exactly the same.
    def steady(rows: list[dict]) -> list[dict]:
        return [row for row in rows if row["model"] != "plan.measurevalue"]

    assert steady(restored) == steady(site)
    assert any(row["model"] == "catalog.datasetversion" for row in restored)
    # The values: exactly the first N the writer saved, N at least those saved before the
    # backup began; each equal to the site's own row: one moment of the site, not a mix.
    values = [row for row in restored if row["model"] == "plan.measurevalue"]
    periods = sorted(row["fields"]["period"] for row in values)
    assert 5 <= len(periods) <= saved_during_backup
    assert periods == written[: len(periods)]
    site_rows = {json.dumps(row, sort_keys=True) for row in site}
    assert all(json.dumps(row, sort_keys=True) in site_rows for row in values)
    assert len(written) > len(periods)
    # The audit log, appended to by every API change during the load, still chains.
    citystat(fresh, "audit", "verify")
