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
(4) the same four read slowly (--slow-kbps each) for --seconds, as distant or hostile
    clients would, while `/healthz` is polled: its p95.
Exits 1 unless /healthz p95 stays under 1 s in (3) and (4).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parent.parent
HEALTHZ_LIMIT_S = 1.0
KINDS = ("geojson", "csv", "geojson", "csv")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def citystat(home: Path, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYSTAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "citystat", *command], env=env, cwd=ROOT, check=True, **kwargs
    )


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


def download(url: str, results: dict, key: int, bytes_per_second: float, seconds: float) -> None:
    """Read one download; record its time to first byte, size and total time."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        first = response.read(1)
        results[key] = {"ttfb": time.perf_counter() - started, "bytes": len(first)}
        chunk = 65_536
        while block := response.read(chunk):
            results[key]["bytes"] += len(block)
            if bytes_per_second:
                time.sleep(chunk / bytes_per_second)
                if time.perf_counter() - started > seconds:
                    break  # a slow reader that gives up, as most do
    results[key]["total"] = time.perf_counter() - started


def downloads_while_polling(
    base: str, bytes_per_second: float, seconds: float
) -> tuple[list[float], dict]:
    poller = HealthPoller(base + "/healthz")
    poller.start()
    time.sleep(0.5)
    results: dict = {}
    readers = [
        threading.Thread(
            target=download,
            args=(
                f"{base}/downloads/service-requests.{kind}",
                results,
                index,
                bytes_per_second,
                seconds,
            ),
        )  # fmt: skip
        for index, kind in enumerate(KINDS)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    time.sleep(0.5)
    return poller.stop(), results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="service_requests.csv from citystat demo-data")
    parser.add_argument("--seconds", type=float, default=10.0, help="Polling time per phase.")
    parser.add_argument("--slow-kbps", type=float, default=256.0, help="Slow readers' rate.")
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citystat-downloads-") as name:
        home = Path(name) / "home"
        started = time.perf_counter()
        load(home, options.csv.resolve())
        print(f"loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        citystat(home, ["exports"])
        export_seconds = time.perf_counter() - started
        print(f"download files written by `citystat exports` in {export_seconds:.0f} s")
        port = free_port()
        env = {**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_API_RATE_ANON": "100000/minute"}
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(port),
             "--workers", str(options.workers)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/healthz")
            baseline = percentile(poll_for(base + "/healthz", options.seconds), 0.95)
            fast_timings, fast = downloads_while_polling(base, 0, options.seconds)
            slow_timings, _ = downloads_while_polling(
                base, options.slow_kbps * 1024, options.seconds
            )
        finally:
            server.terminate()
            server.wait(timeout=60)
    fast_p95 = percentile(fast_timings, 0.95)
    slow_p95 = percentile(slow_timings, 0.95)
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
    for index, kind in enumerate(KINDS):
        result = fast[index]
        print(
            f"download {index + 1} ({kind:7}): first byte {result['ttfb'] * 1000:7.1f} ms, "
            f"{result['bytes'] / 1e6:8.1f} MB in {result['total']:6.1f} s"
        )
    target = f"< {HEALTHZ_LIMIT_S:.0f} s"
    record("exports written (4 formats)", export_seconds, "s", target="off the request path")
    record(
        "/healthz p95 during 4 parallel downloads",
        fast_p95 * 1000,
        "ms",
        baseline=baseline * 1000,
        baseline_label="/healthz p95 with no downloads",
        target=target,
        met=fast_p95 < HEALTHZ_LIMIT_S,
    )
    record(
        "/healthz p95 during 4 slow readers",
        slow_p95 * 1000,
        "ms",
        baseline=baseline * 1000,
        baseline_label="/healthz p95 with no downloads",
        target=target,
        met=slow_p95 < HEALTHZ_LIMIT_S,
    )
    record("download time to first byte (worst of 4)", ttfb * 1000, "ms")
    failed = fast_p95 >= HEALTHZ_LIMIT_S or slow_p95 >= HEALTHZ_LIMIT_S
    print("result: " + ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
