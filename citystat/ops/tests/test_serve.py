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


@pytest.fixture
def server(tmp_path):
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path / "home")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    citystat = [sys.executable, "-m", "citystat"]
    subprocess.run([*citystat, "migrate", "-v0"], env=env, check=True, timeout=120)
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
