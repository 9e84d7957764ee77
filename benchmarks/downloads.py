"""Four parallel whole-dataset downloads must not take `/healthz` down (#16, High 3).

    .venv/bin/citystat demo-data --out /tmp/dd2m --rows 2000000
    .venv/bin/python benchmarks/downloads.py /tmp/dd2m/service_requests.csv

One run, on the demo's 311 rows loaded as the public `service-requests` dataset:
(1) `citystat exports` writes the download files, as the worker does after a publish
    (timed: this is the work that used to happen inside a web request);
(2) `citystat serve` (its default worker model) on a local port; `/healthz` is polled
    every 50 ms for --seconds with nothing else running: the baseline p95;
(3) four downloads at once, GeoJSON, CSV, GeoJSON, CSV, each read as fast as it comes,
    while `/healthz` is polled: its p95, and each download's time to first byte;
(4) the same four read slowly (--slow-kbps each, through a 16 kB receive window) for
    --seconds, as distant or hostile clients would, while `/healthz` is polled: its p95;
(5) the same as (4) against `citystat serve --threads 1`, one request per worker as
    before #16 (gunicorn's sync model): the figure the threads are there to avoid.
Exits 1 unless /healthz p95 stays under 1 s in (3) and (4). --home keeps the loaded
dataset and its files between runs (the 2M-row load and files take minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from local_server import citystat, free_port, wait_for
from results import record

ROOT = Path(__file__).resolve().parent.parent
HEALTHZ_LIMIT_S = 1.0
KINDS = ("geojson", "csv", "geojson", "csv")


def load(home: Path, csv_path: Path) -> None:
    """Load the CSV as the demo's public service-requests dataset."""
    citystat(home, ["migrate", "-v0"])
    script = (
        "from citystat.demo.build import save_dataset\n"
        "from citystat.demo.datasets import DEMO_DATASETS\n"
        "from citystat.catalog.ingest import ingest\n"
        "definition = next(d for d in DEMO_DATASETS if d['slug'] == 'service-requests')\n"
        f"ingest(save_dataset(definition), {str(csv_path)!r})\n"
    )
    citystat(home, ["shell", "-c", script])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class HealthPoller(threading.Thread):
    """GET /healthz every 50 ms until stopped; keep each answer's time in seconds."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.timings: list[float] = []
        self.failures = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=90).read()
            except OSError:
                self.failures += 1
            self.timings.append(time.perf_counter() - started)
            self.stopped.wait(0.05)

    def stop(self) -> list[float]:
        self.stopped.set()
        self.join(timeout=120)
        return self.timings


def poll_for(url: str, seconds: float) -> list[float]:
    poller = HealthPoller(url)
    poller.start()
    time.sleep(seconds)
    return poller.stop()


def download(url: str, results: dict, key: int) -> None:
    """Read one download as fast as it comes; record time to first byte, size and time."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        first = response.read(1)
        results[key] = {"ttfb": time.perf_counter() - started, "bytes": len(first)}
        while block := response.read(1 << 20):
            results[key]["bytes"] += len(block)
    results[key]["total"] = time.perf_counter() - started


def slow_download(
    port: int, path: str, results: dict, key: int, bytes_per_second: float, seconds: float
) -> None:
    """Read a download at `bytes_per_second` for `seconds`, then give up, as most do.

    The small receive window stands for a distant client's network: on loopback the
    kernel would otherwise take hundreds of megabytes into its buffers at once.
    """
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    started = time.perf_counter()
    size = 0
    while time.perf_counter() - started < seconds and (block := client.recv(8192)):
        size += len(block)
        time.sleep(8192 / bytes_per_second)
    client.close()
    results[key] = {"bytes": size, "total": time.perf_counter() - started}


def downloads_while_polling(
    base: str, port: int, bytes_per_second: float, seconds: float
) -> tuple[list[float], dict]:
    """Run the four downloads (slowly if `bytes_per_second`) while polling /healthz."""
    poller = HealthPoller(base + "/healthz")
    poller.start()
    time.sleep(0.5)
    results: dict = {}
    readers = []
    for index, kind in enumerate(KINDS):
        path = f"/downloads/service-requests.{kind}"
        if bytes_per_second:
            arguments: tuple = (port, path, results, index, bytes_per_second, seconds)
            readers.append(threading.Thread(target=slow_download, args=arguments))
        else:
            readers.append(threading.Thread(target=download, args=(base + path, results, index)))
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    time.sleep(0.5)
    return poller.stop(), results


@contextlib.contextmanager
def serving(home: Path, workers: int, threads: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_API_RATE_ANON": "100000/minute"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "citystat", "serve", "--port", str(port),
         "--workers", str(workers), "--threads", str(threads)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        # The first start collects and compresses the static files: minutes on a busy box.
        wait_for(base + "/healthz", seconds=600)
        yield base, port
    finally:
        server.terminate()
        server.wait(timeout=60)


def prepare(home: Path, csv_path: Path) -> float | None:
    """Load the dataset and write its files unless `home` has them; return the files' time."""
    if (home / "warehouse" / "service-requests" / "exports" / "v1.geojson").is_file():
        print(f"reusing the dataset and its download files in {home}")
        return None
    started = time.perf_counter()
    load(home, csv_path.resolve())
    print(f"loaded in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    citystat(home, ["exports"])
    seconds = time.perf_counter() - started
    print(f"download files written by `citystat exports` in {seconds:.0f} s")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="service_requests.csv from citystat demo-data")
    parser.add_argument("--seconds", type=float, default=10.0, help="Polling time per phase.")
    parser.add_argument("--slow-kbps", type=float, default=256.0, help="Slow readers' rate.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--home", type=Path, help="Keep (and reuse) the loaded site here.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citystat-downloads-") as name:
        home = options.home or Path(name) / "home"
        export_seconds = prepare(home, options.csv)
        rate = options.slow_kbps * 1024
        with serving(home, options.workers, threads=8) as (base, port):
            baseline = percentile(poll_for(base + "/healthz", options.seconds), 0.95)
            fast_timings, fast = downloads_while_polling(base, port, 0, options.seconds)
            slow_timings, _ = downloads_while_polling(base, port, rate, options.seconds)
        with serving(home, options.workers, threads=1) as (base, port):
            before_timings, _ = downloads_while_polling(base, port, rate, options.seconds)
    fast_p95 = percentile(fast_timings, 0.95)
    slow_p95 = percentile(slow_timings, 0.95)
    before_p95 = percentile(before_timings, 0.95)
    with options.csv.open("rb") as handle:
        rows = sum(1 for _ in handle) - 1
    ttfb = max(result["ttfb"] for result in fast.values())
    print(f"/healthz p95, nothing else running:      {baseline * 1000:8.1f} ms")
    print(
        f"/healthz p95, four downloads at speed:    {fast_p95 * 1000:8.1f} ms "
        f"({fast_p95 / baseline:.1f} x baseline; limit {HEALTHZ_LIMIT_S:.0f} s)"
    )
    print(
        f"/healthz p95, four slow readers:          {slow_p95 * 1000:8.1f} ms "
        f"({slow_p95 / baseline:.1f} x baseline; limit {HEALTHZ_LIMIT_S:.0f} s)"
    )
    print(
        f"/healthz p95, four slow readers, one thread per worker (before #16): "
        f"{before_p95 * 1000:8.1f} ms"
    )
    for index, kind in enumerate(KINDS):
        result = fast[index]
        print(
            f"download {index + 1} ({kind:7}): first byte {result['ttfb'] * 1000:7.1f} ms, "
            f"{result['bytes'] / 1e6:8.1f} MB in {result['total']:6.1f} s"
        )
    target = f"< {HEALTHZ_LIMIT_S:.0f} s"
    if export_seconds is not None:
        record(f"download files written (4 formats), {rows:,} rows", export_seconds, "s")
    record(
        f"/healthz p95 during 4 parallel downloads, {rows:,} rows",
        fast_p95 * 1000,
        "ms",
        baseline=baseline * 1000,
        baseline_label="/healthz p95 with no downloads",
        target=target,
        met=fast_p95 < HEALTHZ_LIMIT_S,
    )
    record(
        f"/healthz p95 during 4 slow readers, {rows:,} rows",
        slow_p95 * 1000,
        "ms",
        baseline=baseline * 1000,
        baseline_label="/healthz p95 with no downloads",
        target=target,
        met=slow_p95 < HEALTHZ_LIMIT_S,
    )
    record(
        f"/healthz p95 during 4 slow readers, one thread per worker, {rows:,} rows",
        before_p95 * 1000,
        "ms",
        baseline=slow_p95 * 1000,
        baseline_label="the same with citystat serve's threads",
    )
    record(
        f"download time to first byte (worst of 4), {rows:,} rows",
        ttfb * 1000,
        "ms",
        target="< 1 s",
        met=ttfb < 1.0,
    )
    failed = fast_p95 >= HEALTHZ_LIMIT_S or slow_p95 >= HEALTHZ_LIMIT_S
    print("result: " + ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
