"""Load-test a public measure page against a static file of the same size, same server.

    CITYSTAT_HOME=/tmp/city10m .venv/bin/citystat demo --rows 10000000 --no-serve
    .venv/bin/python benchmarks/pages.py --home /tmp/city10m

Starts `citystat serve` (gunicorn + WhiteNoise, its default workers) on the built city,
fetches the measure page once (its first render fills the caches, as on a live site),
writes a static file of exactly the page's size into the collected static folder,
restarts the server so WhiteNoise sees the file, then runs wrk (Debian's package) for
--duration seconds at --connections connections on each URL in turn and prints p50, p95,
p99 latency, errors and requests per second for both and the throughput ratio.

Targets (issue #5): measure page p95 < 100 ms, p99 < 250 ms, zero errors, and at least
25% of the static file's throughput. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from results import record

ROOT = Path(__file__).resolve().parents[1]
# This checkout's citystat, run by the interpreter running this script.
CITYSTAT = [sys.executable, "-m", "citystat"]
P95_MS = 100.0
P99_MS = 250.0
MIN_RATIO = 0.25
# wrk's Lua hook: one JSON line with the numbers this script reports.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "socket_errors": %d, "non_2xx": %d, '
    .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "bytes": %d}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.bytes))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CITYSTAT_HOME": str(home),
        "CITYSTAT_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CITYSTAT_LOG_LEVEL": "WARNING",
    }
    command = [*CITYSTAT, "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"citystat serve exited with {server.returncode}") from None
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("citystat serve did not answer within 120 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn's master and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def run_wrk(url: str, connections: int, duration: int, threads: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = result["socket_errors"] + result["non_2xx"]
    return result


def pick_measure(home: Path) -> str:
    """Return the slug of the first public measure broken down by district (the heaviest
    page: chart, map, equity chart and tables)."""
    code = (
        "from citystat.plan.models import MeasureValue;"
        "print(MeasureValue.objects.filter(measure__is_public=True, breakdown='council_district')"
        ".order_by('measure__pk').values_list('measure__slug', flat=True).first() or '')"
    )
    out = (
        subprocess.run(
            [*CITYSTAT, "shell", "-c", code],
            cwd=ROOT,
            env={**os.environ, "CITYSTAT_HOME": str(home)},
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    if not out or not out[-1]:
        raise SystemExit("no public measure with a district breakdown: build the demo city first")
    return out[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="CITYSTAT_HOME of a built city")
    parser.add_argument("--measure", help="measure slug (default: one with a district map)")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    slug = args.measure or pick_measure(args.home)
    port = free_port()
    page_url = f"http://127.0.0.1:{port}/measures/{slug}/"

    server = start_server(args.home, port, args.workers)
    try:
        started = time.perf_counter()
        page = fetch(page_url)
        first_ms = (time.perf_counter() - started) * 1000
    finally:
        stop_server(server)
    static_name = f"bench-{len(page)}.html"
    static_file = args.home / "static" / static_name
    static_file.write_bytes(b"x" * len(page))  # same size; WhiteNoise reads it at start-up
    static_url = f"http://127.0.0.1:{port}/static/{static_name}"

    server = start_server(args.home, port, args.workers)
    try:
        fetch(page_url)  # this worker's caches
        if len(fetch(static_url)) != len(page):
            raise SystemExit("the static file is not served at the page's size")
        results = {
            "measure page": run_wrk(page_url, args.connections, args.duration, args.threads),
            "static file": run_wrk(static_url, args.connections, args.duration, args.threads),
        }
    finally:
        stop_server(server)
        static_file.unlink(missing_ok=True)

    print(f"measure /measures/{slug}/: {len(page):,} bytes; first render {first_ms:.0f} ms")
    print(f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s each")
    print(f"{'':14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'req/s':>9}")
    for name, r in results.items():
        print(
            f"{name:14} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['errors']:7d} {r['rps']:9.1f}"
        )
    page_result, static_result = results["measure page"], results["static file"]
    ratio = page_result["rps"] / static_result["rps"]
    print(f"throughput ratio page/static: {ratio:.2f} (target ≥ {MIN_RATIO:.2f})")
    checks = {
        f"p95 < {P95_MS:.0f} ms": page_result["p95_ms"] < P95_MS,
        f"p99 < {P99_MS:.0f} ms": page_result["p99_ms"] < P99_MS,
        "zero errors": page_result["errors"] == 0,
        f"ratio ≥ {MIN_RATIO}": ratio >= MIN_RATIO,
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    load = f"{args.connections} connections"
    for quantile, limit in (("p95", P95_MS), ("p99", P99_MS)):
        record(
            f"measure page {quantile} ({load})",
            page_result[f"{quantile}_ms"],
            "ms",
            baseline=static_result[f"{quantile}_ms"],
            baseline_label="static file of the same size",
            target=f"< {limit:.0f} ms",
            met=page_result[f"{quantile}_ms"] < limit,
        )
    record(
        f"measure page throughput ({load})",
        page_result["rps"],
        "req/s",
        baseline=static_result["rps"],
        baseline_label="static file of the same size",
        target=f"≥ {MIN_RATIO:.2f} × baseline",
        met=ratio >= MIN_RATIO,
    )
    record(
        f"measure page errors ({load})",
        page_result["errors"],
        "errors",
        target="0",
        met=page_result["errors"] == 0,
    )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
