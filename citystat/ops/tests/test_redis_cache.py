"""The Redis option of CITYSTAT_CACHE_URL against a real redis-server (Debian's)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches

from citystat.lib.deployment import cache_config

pytest.importorskip("redis")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_counts_in_redis_are_shared_by_separate_clients(settings, redis_url):
    settings.CACHES = cache_config(redis_url)
    limiter = caches["ratelimit"]
    limiter.clear()
    limiter.set("api:203.0.113.9", 0, timeout=60)
    assert limiter.incr("api:203.0.113.9") == 1
    # Another process is another client: a fresh Redis connection sees the same count.
    import redis  # noqa: PLC0415  # optional extra: the importorskip above skips this file

    other = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in other.keys("*api:203.0.113.9")]
    assert len(keys) == 1 and keys[0].startswith("citystat-ratelimit:")
    assert int(other.get(keys[0])) == 1


def test_clearing_cached_pages_keeps_rate_counts(settings, redis_url):
    settings.CACHES = cache_config(redis_url)
    caches["ratelimit"].set("form:198.51.100.4", 3, timeout=60)
    caches["default"].set("page:/", "<html>", timeout=60)
    caches["default"].delete("page:/")
    assert caches["ratelimit"].get("form:198.51.100.4") == 3
