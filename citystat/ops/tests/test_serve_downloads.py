"""`/healthz` keeps answering while whole-dataset downloads run (#16, High 3).

A real `citystat serve` (gunicorn, its default worker model) with two workers, so four
downloads are more than there are workers: sync workers would all be held by them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from citystat.ops.tests.conftest import free_port, home_with_static
from citystat.ops.tests.test_serve import wait_for

pytestmark = pytest.mark.slow

ROWS = 200_000
LOAD_AND_EXPORT = f"""
from pathlib import Path
from citystat.catalog.exports import build_exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
path = Path("points.csv")
with path.open("w") as out:
    out.write("id,name,latitude,longitude\\n")
    for i in range({ROWS}):
        out.write(f"{{i}},point number {{i}},39.{{i:06d}},-94.{{i:06d}}\\n")
dataset = Dataset.objects.create(
    slug="points", title="Points", is_public=True,
    table_schema={{"fields": [
        {{"name": "id", "type": "integer"}}, {{"name": "name", "type": "string"}},
        {{"name": "latitude", "type": "number"}}, {{"name": "longitude", "type": "number"}},
    ]}},
)
ingest(dataset, path)
build_exports()
"""


def slow_download(port: int, path: str, seconds: float, sizes: list[int]) -> None:
    """Read a download at about 64 kB/s for `seconds`, as a distant client would.

    The small receive buffer stands for the client's network: on loopback the kernel
    would otherwise take a whole file of this size into its buffers at once.
    """
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    started = time.monotonic()
    size = 0
    while time.monotonic() - started < seconds and (block := client.recv(8192)):
        size += len(block)
        time.sleep(0.125)
    client.close()
    sizes.append(size)


def test_healthz_answers_within_a_second_while_four_downloads_hold_both_workers(
    tmp_path, collected_static
):
    home = home_with_static(tmp_path / "home", collected_static)
    env = {**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_API_RATE_ANON": "1000/minute"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    citystat = [sys.executable, "-m", "citystat"]
    subprocess.run([*citystat, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run(
        [*citystat, "shell", "-c", LOAD_AND_EXPORT], env=env, check=True, timeout=300,
        cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [*citystat, "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        sizes: list[int] = []
        readers = [
            threading.Thread(
                target=slow_download, args=(port, f"/downloads/points.{kind}", 6.0, sizes)
            )
            for kind in ("geojson", "csv", "geojson", "csv")
        ]
        for reader in readers:
            reader.start()
        time.sleep(1.0)
        timings = []
        while any(reader.is_alive() for reader in readers):
            started = time.monotonic()
            urllib.request.urlopen(base + "/healthz", timeout=30).read()
            timings.append(time.monotonic() - started)
            time.sleep(0.1)
        for reader in readers:
            reader.join()
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert len(sizes) == 4 and min(sizes) > 100_000, "the downloads did not run"
    assert len(timings) >= 10
    assert max(timings) < 1.0, f"/healthz took {max(timings):.2f} s during the downloads"
