"""`citystat serve`: a real gunicorn serving the app and its static files."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> urllib.request.Request:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


# A published dataset, so the server's health check opens the warehouse before it forks.
LOAD_A_DATASET = """
from pathlib import Path
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
path = Path("scores.csv")
path.write_text("id,score\\n1,3\\n2,4\\n")
dataset = Dataset.objects.create(
    slug="scores", title="Scores", is_public=True,
    table_schema={
        "fields": [{"name": "id", "type": "integer"}, {"name": "score", "type": "integer"}],
        "primaryKey": ["id"],
    },
)
ingest(dataset, path)
"""


@pytest.fixture
def server(tmp_path):
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path / "home")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    citystat = [sys.executable, "-m", "citystat"]
    subprocess.run([*citystat, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run(
        [*citystat, "shell", "-c", LOAD_A_DATASET], env=env, check=True, timeout=120,
        cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*citystat, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_it_answers_healthz_and_pages(server):
    response = wait_for(server + "/healthz")
    assert response.status == 200
    assert b'"status": "ok"' in response.read()
    assert wait_for(server + "/").status == 200


def test_workers_forked_after_the_health_check_answer_warehouse_queries(server):
    # DuckDB does not survive fork(): a worker reusing the master's database hangs.
    wait_for(server + "/healthz")
    for _ in range(4):
        response = urllib.request.urlopen(
            server + "/resource/scores.json?$select=sum(score)%20as%20total", timeout=10
        )
        assert response.read() == b'[{"total": "7"}]'


def test_it_serves_vendored_static_files_compressed_and_cached(server):
    wait_for(server + "/healthz")
    request = urllib.request.Request(
        server + "/static/css/citystat.css", headers={"Accept-Encoding": "gzip"}
    )
    response = urllib.request.urlopen(request, timeout=10)
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age" in response.headers["Cache-Control"]


def test_it_refuses_a_port_out_of_range(tmp_path):
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path / "home")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "citystat", "serve", "--port", "70000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--port 70000" in result.stderr
