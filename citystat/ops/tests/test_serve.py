"""`citystat serve`: a real gunicorn serving the app and its static files."""

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django import db as django_db
from django.core.management import call_command

from citystat.demo.management.commands import demo as demo_command
from citystat.ops import server as ops_server
from citystat.ops.server import gunicorn_options
from citystat.ops.tests.conftest import home_with_static


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> tuple[int, bytes]:
    """The status and body of `url` once the server answers it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
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
def server(tmp_path, collected_static):
    home = home_with_static(tmp_path / "home", collected_static)
    env = {**os.environ, "CITYSTAT_HOME": str(home)}
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
        process.communicate(timeout=90)  # waits, and closes its pipe


def test_it_answers_healthz_and_pages(server):
    status, body = wait_for(server + "/healthz")
    assert status == 200
    assert b'"status": "ok"' in body
    assert wait_for(server + "/")[0] == 200


def test_workers_forked_after_the_health_check_answer_warehouse_queries(server):
    # DuckDB does not survive fork(): a worker reusing the master's database hangs.
    wait_for(server + "/healthz")
    for _ in range(4):
        with urllib.request.urlopen(
            server + "/resource/scores.json?$select=sum(score)%20as%20total", timeout=10
        ) as response:
            assert response.read() == b'[{"total": "7"}]'


def test_it_serves_vendored_static_files_compressed_and_cached(server):
    wait_for(server + "/healthz")
    request = urllib.request.Request(
        server + "/static/css/citystat.css", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
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


@contextlib.contextmanager
def metrics_server(home, workers: int):
    """A server with metrics on and the database cache (the site default); yields it."""
    env = {**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_METRICS": "1"}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CITYSTAT_CACHE_URL"):
        env.pop(name, None)
    citystat = [sys.executable, "-m", "citystat"]
    subprocess.run([*citystat, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [*citystat, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=90)  # waits, and closes its pipe


@pytest.fixture
def one_worker_server(tmp_path, collected_static):
    with metrics_server(home_with_static(tmp_path / "home", collected_static), 1) as server:
        yield server


def test_sigterm_lets_the_request_in_flight_finish_then_exits_cleanly(one_worker_server):
    process, port = one_worker_server
    # A request whose headers are still arriving when the stop signal comes: the worker
    # is busy with it, as with a slow download.
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    assert process.poll() is None, "the server stopped before the request finished"
    connection.sendall(b"Connection: close\r\n\r\n")
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    connection.close()
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert b'"cache": "ok"' in answer
    assert process.wait(timeout=60) == 0
    log = process.stdout.read().decode()
    assert "Handling signal: term" in log
    # Once stopped, new connections are refused.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_metrics_add_up_every_workers_requests(tmp_path, collected_static):
    home = home_with_static(tmp_path / "home", collected_static)
    with metrics_server(home, workers=2) as (_, port):
        base = f"http://127.0.0.1:{port}"
        for _ in range(19):
            urllib.request.urlopen(base + "/healthz", timeout=10).read()
        text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    # Twenty requests spread over two workers, counted as one node's total.
    assert (
        'citystat_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
        " 20.0" in text
    )


@pytest.mark.django_db
def test_serve_closes_the_app_database_before_forking_workers(monkeypatch, settings):
    """A connection the master opened (health check, cache tables) and its workers
    inherited would carry two workers' queries on one socket."""
    # Restored after the test: serve() changes both for the server's lifetime.
    settings.CITYSTAT_ACCESS_LOG = False
    settings.WHITENOISE_USE_FINDERS = True
    monkeypatch.setattr(ops_server, "collect_static_if_changed", lambda: False)
    events: list[str] = []
    close_all = django_db.connections.close_all

    def record_close_all():
        events.append("close all")
        close_all()

    def record_query(execute, sql, params, many, context):
        events.append("query")
        return execute(sql, params, many, context)

    # The test database lives in memory, which Django never really closes; the order
    # of events shows that no query reaches the database between closing and forking.
    monkeypatch.setattr(django_db.connections, "close_all", record_close_all)
    monkeypatch.setattr(
        ops_server.GunicornApplication, "run", lambda self: events.append("fork workers")
    )
    with django_db.connection.execute_wrapper(record_query):
        ops_server.serve("127.0.0.1", 8000, 1, stdout=io.StringIO())
    assert "query" in events  # the health check did use the database
    assert events[-2:] == ["close all", "fork workers"]


def test_workers_are_threaded_and_take_a_connection_only_with_a_free_thread():
    # #16: sync workers were each held for a whole slow download, starving /healthz.
    options = gunicorn_options("127.0.0.1", 8000, 4, threads=8)
    assert options["worker_class"] == "gthread"
    assert options["threads"] == options["worker_connections"] == 8


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("stat.local", 8080, "http://stat.local:8080"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_serve_points_email_links_at_its_own_port(monkeypatch, settings, host, port, expected):
    """Emailed links named port 8000 whatever port `citystat demo --port` served (#21)."""
    monkeypatch.delenv("CITYSTAT_SITE_URL", raising=False)
    assert ops_server.adopt_site_url(host, port) == expected
    assert expected == settings.CITYSTAT_SITE_URL


def test_a_configured_site_url_wins_over_the_port(monkeypatch, settings):
    monkeypatch.setenv("CITYSTAT_SITE_URL", "https://stat.example.gov")
    settings.CITYSTAT_SITE_URL = "https://stat.example.gov"
    assert ops_server.adopt_site_url("127.0.0.1", 8123) == "https://stat.example.gov"
    assert settings.CITYSTAT_SITE_URL == "https://stat.example.gov"


@pytest.mark.django_db
def test_demo_sets_the_site_url_before_it_builds(monkeypatch, settings):
    seen: list[str] = []

    def build(**options):
        seen.append(settings.CITYSTAT_SITE_URL)
        raise SystemExit(0)

    monkeypatch.delenv("CITYSTAT_SITE_URL", raising=False)
    monkeypatch.setattr(demo_command, "build_demo_city", build)
    with pytest.raises(SystemExit):
        call_command("demo", port=8765)
    assert seen == ["http://127.0.0.1:8765"]
