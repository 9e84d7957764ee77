"""Two `citystat serve` nodes sharing one PostgreSQL database, as on a multi-node site.

Each node has its own CITYSTAT_HOME (another machine's disk) and the default settings:
sessions, caches and rate-limit counts in the app database. What one node records, the
other must honour: a signed-in session, a rate limit's count, a scheduled job's lock.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from citystat.ops.tests.conftest import free_port, home_with_static

pytestmark = pytest.mark.slow

POSTGRES_URL = os.environ.get("CITYSTAT_TEST_POSTGRES_URL", "")
PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture(scope="module")
def shared_database():
    if not POSTGRES_URL:
        pytest.skip("CITYSTAT_TEST_POSTGRES_URL is not set (CI sets it)")
    name = f"citystat_ops_twonodes_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(POSTGRES_URL)
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Node:
    def __init__(self, home: Path, database_url: str) -> None:
        self.env = {**os.environ, "CITYSTAT_HOME": str(home), "DATABASE_URL": database_url}
        for name in ("DJANGO_SETTINGS_MODULE", "CITYSTAT_CACHE_URL"):
            self.env.pop(name, None)
        # A limit small enough to reach in a test.
        self.env["CITYSTAT_API_RATE_ANON"] = "3/minute"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def citystat(self, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "citystat", *args],
            env=self.env, capture_output=True, text=True, timeout=300, **kwargs,
        )  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(self.port), "--workers", "2"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def nodes(shared_database, collected_static, tmp_path_factory):
    a = Node(home_with_static(tmp_path_factory.mktemp("node-a"), collected_static), shared_database)
    b = Node(home_with_static(tmp_path_factory.mktemp("node-b"), collected_static), shared_database)
    migrated = a.citystat("migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    created = a.citystat(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from citystat.accounts.roles import grant_role\n"
        f"ana = get_user_model().objects.create_user('ana', password='{PASSWORD}', is_staff=True)\n"
        "grant_role(ana, 'internal-viewer')\n",
    )
    assert created.returncode == 0, created.stderr
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def fetch(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None):
    try:
        response = opener.open(url, data=data, timeout=30)
        return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_a_session_signed_in_on_node_a_is_valid_on_node_b(nodes):
    a, b = nodes
    jar = http.cookiejar.CookieJar()
    opener = browser(jar)
    # Cookies are per host name, and both nodes are 127.0.0.1: as behind one load balancer.
    status, _, page = fetch(opener, a.url + "/staff/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "ana", "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        a.url + "/staff/login/", data=form, headers={"Referer": a.url + "/staff/login/"}
    )
    status, headers, _ = fetch(opener, request)  # type: ignore[arg-type]
    assert status == 302 and "/staff/login/" not in headers["Location"]
    status, _, page = fetch(opener, b.url + "/staff/")
    assert status == 200, "node B did not recognise node A's session"
    assert "Internal viewer" in page
    # Without the session cookie, node B sends the visitor to sign in.
    status, headers, _ = fetch(browser(http.cookiejar.CookieJar()), b.url + "/staff/")
    assert status == 302 and headers["Location"].startswith("/staff/login/")


def test_a_rate_limit_counted_on_node_a_holds_on_node_b(nodes):
    a, b = nodes
    opener = browser(http.cookiejar.CookieJar())
    path = "/api/views/no-such-dataset.json"
    for _ in range(3):
        status, _, _ = fetch(opener, a.url + path)
        assert status == 404
    status, headers, _ = fetch(opener, b.url + path)
    assert status == 429, "node B let through a request over the limit counted on node A"
    assert int(headers["Retry-After"]) > 0


def test_a_job_lock_taken_by_node_a_blocks_node_b(nodes):
    a, b = nodes
    holder = subprocess.Popen(
        [
            sys.executable, "-m", "citystat", "shell", "-c",
            "import sys\nfrom citystat.jobs.runs import single_run\n"
            "with single_run('compute'):\n    print('held', flush=True)\n    sys.stdin.read()\n",
        ],
        env=a.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The shell may first list the models it imported; wait for the job's own line.
        lines = iter(holder.stdout.readline, "")
        assert "held" in (line.strip() for line in lines)
        blocked = b.citystat("compute")
        assert blocked.returncode == 0, blocked.stderr
        assert "compute is already running on" in blocked.stdout
        assert "Computed" not in blocked.stdout
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
        holder.stdout.close()
    # Once node A's run ended, node B's runs.
    ran = b.citystat("compute")
    assert ran.returncode == 0, ran.stderr
    assert "Computed 0 measures" in ran.stdout
