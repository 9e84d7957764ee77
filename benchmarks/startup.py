"""How much CPU each command spends before doing its work, and how soon `serve` answers.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --home /tmp/startup-home --rows 200000 --runs 3

Builds a demo city of --rows 311 requests in --home once (reused afterwards), then, in
separate processes, measures the CPU seconds (user + system, best of --runs) of:
(a) baseline: `python -c "import django; django.setup()"` with citystat's settings;
(b) `citystat --help`, `citystat datasets` and `citystat measures --json`;
and the wall time from starting `citystat serve` to its first `200` on /healthz (static
files already collected, as on a restart). Issue #23 asks for (b) under 1.5 s of CPU
each and /healthz within 10 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["datasets"], ["measures", "--json"])
CPU_LIMIT = 1.5
SERVE_LIMIT = 10.0


def environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "CITYSTAT_HOME": str(home), "DJANGO_SETTINGS_MODULE": "citystat.settings"}
    for name in ("DATABASE_URL", "CITYSTAT_WAREHOUSE", "CITYSTAT_CACHE_URL"):
        env.pop(name, None)
    return env


def cpu_seconds(arguments: list[str], env: dict[str, str]) -> float:
    """Run `arguments` to the end; return the CPU seconds the child used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(arguments, env=env, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_cpu(arguments: list[str], env: dict[str, str], runs: int) -> float:
    return min(cpu_seconds(arguments, env) for _ in range(runs))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seconds_to_healthz(env: dict[str, str]) -> float:
    """Start `citystat serve`; return the seconds until /healthz first answers 200."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "citystat", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        raise SystemExit("citystat serve did not answer /healthz within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/citystat-startup-home"))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = environment(args.home)
    if not (args.home / "citystat.sqlite3").exists():
        print(f"building a demo city of {args.rows:,} rows in {args.home} (once)", flush=True)
        subprocess.run(
            [sys.executable, "-m", "citystat", "demo", "--rows", str(args.rows), "--no-serve"],
            env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    # Collect static files once, so the serve figure is a restart's, not a first install's.
    subprocess.run(
        [sys.executable, "-m", "citystat", "serve", "--collect-only"],
        env=env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip

    baseline = best_cpu([sys.executable, "-c", "import django; django.setup()"], env, args.runs)
    print(f"(a) django.setup() alone: {baseline:.2f} s of CPU (best of {args.runs})")
    for command in COMMANDS:
        spent = best_cpu([sys.executable, "-m", "citystat", *command], env, args.runs)
        name = "citystat " + " ".join(command)
        met = spent < CPU_LIMIT
        print(f"(b) {name}: {spent:.2f} s of CPU, {spent / baseline:.2f}× (a); target < 1.5 s")
        record(
            f"{name} CPU",
            round(spent, 3),
            "s",
            baseline=round(baseline, 3),
            baseline_label="django.setup() alone",
            target=f"< {CPU_LIMIT} s",
            met=met,
        )
    waited = min(seconds_to_healthz(env) for _ in range(args.runs))
    print(f"(c) citystat serve answers /healthz after {waited:.1f} s; target < 10 s")
    record(
        "citystat serve to /healthz",
        round(waited, 2),
        "s",
        target=f"< {SERVE_LIMIT:g} s",
        met=waited < SERVE_LIMIT,
    )


if __name__ == "__main__":
    main()
