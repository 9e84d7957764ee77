"""Load-test public page types against static files of the same sizes, same server.

    CITYSTAT_HOME=/tmp/city10m .venv/bin/citystat demo --rows 10000000 --no-serve
    .venv/bin/python benchmarks/pages.py --home /tmp/city10m

Starts `citystat serve` (gunicorn + WhiteNoise, its default workers) on the built city,
fetches each page type once (its first render fills the caches, as on a live site):
the home page, a priority page, a goal page, a measure page, the biggest dataset's
explorer, the near-me page and a near-me answer, a neighborhood, a district, how we
measure, a search and the newest update.
It writes a static file of exactly each page's size into the collected static folder,
restarts the server so WhiteNoise sees them, then runs wrk (Debian's package) for
--duration seconds at --connections connections on each URL in turn and prints p50, p95,
p99 latency, errors and requests per second for each page and its static file, and the
throughput ratio.

Then, on the running server, the first request after `citystat compute` (#20, item 9):
--rounds times, `citystat compute` runs (which makes every plan page new and, with
CITYSTAT_WARM_PAGES=background, renders them again before it exits), then each plan page
type is fetched once, timed, beside a first fetch of its static file. The same rounds with
CITYSTAT_WARM_PAGES=off give the cold first request the warming saves.

Targets (issues #5, #20): every page type p95 < 100 ms, p99 < 250 ms, zero errors, and
at least 25% of its static file's throughput; the first request after a compute p95 <
150 ms. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
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
FIRST_P95_MS = 150.0
# The page types the plan's revision makes new on every compute (citystat/public/warm.py).
PLAN_PAGES = ("home", "priority page", "goal page", "measure page")
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


def pick_pages(home: Path, measure: str | None) -> dict[str, str]:
    """Return {page type: path} for each page type measured here.

    The dataset explorer is the biggest public dataset's page (newest rows first, sorted
    over every row); near me is the page and the answer for a point inside the first
    neighborhood (a lookup in every boundary layer).
    """
    code = (
        "import json, shapely.geometry;"
        "from citystat.catalog.models import DatasetVersion;"
        "from citystat.city.models import BoundaryLayer;"
        "from citystat.city.places import layer_slug_for, places;"
        "from citystat.engagement.queries import published_updates;"
        "from citystat.plan.models import Goal, PriorityArea;"
        "a = PriorityArea.objects.filter(plan__is_current=True).order_by('position').first();"
        "g = Goal.objects.filter(priority_area__plan__is_current=True).order_by('pk').first();"
        "v = DatasetVersion.objects.filter(dataset__is_public=True, status='published')"
        ".order_by('-row_count').select_related('dataset').first();"
        "slug = layer_slug_for('neighborhood') or layer_slug_for('district');"
        "layer = BoundaryLayer.objects.filter(slug=slug).first();"
        "f = layer.geojson['features'][0] if layer else None;"
        "p = shapely.geometry.shape(f['geometry']).representative_point() if f else None;"
        "n = places('neighborhood'); d = places('district');"
        "u = published_updates().order_by('-published_at').first();"
        "print(json.dumps({'dataset': v.dataset.slug if v else '',"
        " 'neighborhood': n[0].get_absolute_url() if n else '',"
        " 'district': d[0].get_absolute_url() if d else '',"
        " 'update': u.get_absolute_url() if u else '',"
        " 'area': a.get_absolute_url() if a else '', 'goal': g.get_absolute_url() if g else '',"
        " 'point': [p.y, p.x] if p else None}))"
    )
    found = json.loads(
        subprocess.run(
            [*CITYSTAT, "shell", "-c", code],
            cwd=ROOT,
            env={**os.environ, "CITYSTAT_HOME": str(home)},
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    if not all(found[k] for k in ("dataset", "point", "goal", "neighborhood", "district")):
        raise SystemExit("no plan, public dataset or boundary layer: build the demo city first")
    if not found["update"]:
        raise SystemExit("no published update: build the demo city first")
    latitude, longitude = found["point"]
    return {
        "home": "/",
        "priority page": found["area"],
        "goal page": found["goal"],
        "measure page": f"/measures/{measure or pick_measure(home)}/",
        "dataset explorer": f"/datasets/{found['dataset']}/",
        "near me": "/near-me/",
        "near me answer": f"/near-me/?lat={latitude:.6f}&lon={longitude:.6f}&how=map",
        "neighborhood": found["neighborhood"],
        "district": found["district"],
        "how we measure": "/how-we-measure/",
        "search": "/search/?q=street",
        "update": found["update"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="CITYSTAT_HOME of a built city")
    parser.add_argument("--measure", help="measure slug (default: one with a district map)")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    parser.add_argument(
        "--rounds", type=int, default=10, help="computes for the first-request figures"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    paths = pick_pages(args.home, args.measure)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    # First renders, on a fresh server: each fills its caches as on a live site.
    server = start_server(args.home, port, args.workers)
    pages: dict[str, bytes] = {}
    first_ms: dict[str, float] = {}
    try:
        for name, path in paths.items():
            started = time.perf_counter()
            pages[name] = fetch(base + path)
            first_ms[name] = (time.perf_counter() - started) * 1000
    finally:
        stop_server(server)
    # One static file per page type, of exactly that page's size; WhiteNoise reads them at
    # start-up, hence the restart.
    static_files = {}
    for name, page in pages.items():
        static_name = f"bench-{len(page)}.html"
        static_files[name] = args.home / "static" / static_name
        static_files[name].write_bytes(b"x" * len(page))

    server = start_server(args.home, port, args.workers)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        for name, path in paths.items():
            fetch(base + path)  # this worker's caches
            static_url = f"{base}/static/{static_files[name].name}"
            if len(fetch(static_url)) != len(pages[name]):
                raise SystemExit("the static file is not served at the page's size")
            results[name] = {
                "page": run_wrk(base + path, args.connections, args.duration, args.threads),
                "static": run_wrk(static_url, args.connections, args.duration, args.threads),
            }
        plan_paths = {name: paths[name] for name in PLAN_PAGES}
        plan_statics = {name: f"{base}/static/{static_files[name].name}" for name in PLAN_PAGES}
        after_compute = {
            warming: first_requests_after_compute(
                args.home, base, plan_paths, plan_statics, args.rounds, warming
            )
            for warming in ("off", "background")
        }
    finally:
        stop_server(server)
        for static_file in static_files.values():
            static_file.unlink(missing_ok=True)

    print(f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s each")
    checks: dict[str, bool] = {}
    for name, pair in results.items():
        print(
            f"\n{name} {paths[name]}: {len(pages[name]):,} bytes; first render "
            f"{first_ms[name]:.0f} ms"
        )
        print(f"{'':14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'req/s':>9}")
        for label, r in (("page", pair["page"]), ("static file", pair["static"])):
            print(
                f"{label:14} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
                f"{r['errors']:7d} {r['rps']:9.1f}"
            )
        checks.update(report(name, pair["page"], pair["static"], args.connections))
    checks.update(report_first_requests(after_compute, args.rounds))
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    return 0 if all(checks.values()) else 1


def run_compute(home: Path, warming: str) -> float:
    """Run `citystat compute` on every measure; return its seconds (warming included)."""
    started = time.perf_counter()
    subprocess.run(
        [*CITYSTAT, "compute"],
        cwd=ROOT,
        env={**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_WARM_PAGES": warming},
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def timed_fetch(url: str) -> float:
    started = time.perf_counter()
    fetch(url)
    return (time.perf_counter() - started) * 1000


def first_requests_after_compute(
    home: Path,
    base: str,
    paths: dict[str, str],
    statics: dict[str, str],
    rounds: int,
    warming: str,
) -> dict[str, Any]:
    """Time the first request of each plan page type after each of `rounds` computes, and a
    first request of its static file at the same moment (the baseline)."""
    pages: dict[str, list[float]] = {name: [] for name in paths}
    static: dict[str, list[float]] = {name: [] for name in paths}
    computes = []
    for _ in range(rounds):
        computes.append(run_compute(home, warming))
        for name, path in paths.items():
            pages[name].append(timed_fetch(base + path))
            static[name].append(timed_fetch(statics[name]))
    return {"pages": pages, "static": static, "compute_s": computes}


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def report_first_requests(after: dict[str, dict[str, Any]], rounds: int) -> dict[str, bool]:
    """Print and record the first request after a compute, warmed and not, per page type
    and over all plan page types, as ratios to a first request of a static file."""
    checks: dict[str, bool] = {}
    print(f"\nfirst request after `citystat compute` ({rounds} rounds, ms)")
    print(f"{'':22} {'warming':>10} {'p50':>8} {'p95':>8} {'static p95':>11} {'ratio':>7}")
    for warming, found in after.items():
        every_page: list[float] = []
        every_static: list[float] = []
        for name, samples in [*found["pages"].items(), ("all plan pages", None)]:
            if samples is None:
                samples, statics = every_page, every_static
            else:
                statics = found["static"][name]
                every_page.extend(samples)
                every_static.extend(statics)
            page_p95, static_p95 = p95(samples), p95(statics)
            print(
                f"{name:22} {warming:>10} {statistics.median(samples):8.1f} {page_p95:8.1f} "
                f"{static_p95:11.1f} {page_p95 / static_p95:7.1f}"
            )
            if warming == "background":
                record(
                    f"{name}: first request after compute, p95",
                    page_p95,
                    "ms",
                    baseline=static_p95,
                    baseline_label="first request of a static file of the same size",
                    target=f"< {FIRST_P95_MS:.0f} ms",
                    met=page_p95 < FIRST_P95_MS,
                )
                if name == "all plan pages":
                    checks[f"first request after compute: p95 < {FIRST_P95_MS:.0f} ms"] = (
                        page_p95 < FIRST_P95_MS
                    )
        print(
            f"{'':22} {warming:>10} compute (with its warming) took "
            f"{statistics.median(found['compute_s']):.1f} s median"
        )
    return checks


def report(
    name: str, page_result: dict[str, Any], static_result: dict[str, Any], connections: int
) -> dict[str, bool]:
    """Print and record one page type's figures as ratios to its static file."""
    ratio = page_result["rps"] / static_result["rps"]
    print(f"throughput ratio page/static: {ratio:.2f} (target ≥ {MIN_RATIO:.2f})")
    load = f"{connections} connections"
    for quantile, limit in (("p95", P95_MS), ("p99", P99_MS)):
        record(
            f"{name} {quantile} ({load})",
            page_result[f"{quantile}_ms"],
            "ms",
            baseline=static_result[f"{quantile}_ms"],
            baseline_label="static file of the same size",
            target=f"< {limit:.0f} ms",
            met=page_result[f"{quantile}_ms"] < limit,
        )
    record(
        f"{name} throughput ({load})",
        page_result["rps"],
        "req/s",
        baseline=static_result["rps"],
        baseline_label="static file of the same size",
        target=f"≥ {MIN_RATIO:.2f} × baseline",
        met=ratio >= MIN_RATIO,
    )
    record(
        f"{name} errors ({load})",
        page_result["errors"],
        "errors",
        target="0",
        met=page_result["errors"] == 0,
    )
    return {
        f"{name}: p95 < {P95_MS:.0f} ms": page_result["p95_ms"] < P95_MS,
        f"{name}: p99 < {P99_MS:.0f} ms": page_result["p99_ms"] < P99_MS,
        f"{name}: zero errors": page_result["errors"] == 0,
        f"{name}: ratio ≥ {MIN_RATIO}": ratio >= MIN_RATIO,
    }


if __name__ == "__main__":
    sys.exit(main())
