"""Soak two web nodes under load while a large dataset reloads and one node dies.

    .venv/bin/python benchmarks/soak.py [--duration 300] [--rows 10000000] [--connections 64]

Two `citystat serve` nodes (own CITYSTAT_HOME each, as on two machines) share one
PostgreSQL database (a private `citystat_ops_soak_*` database, dropped afterwards) and
one warehouse folder (the shared volume of a multi-node site). `--connections` client
threads send a mix of public pages and API calls to both nodes, round robin, for
`--duration` seconds:

- first a quiet phase (a tenth of the time, at least 15 s): the baseline latency;
- then the soak: the dataset `soak-batch` (`--rows` rows) is reloaded twice, and node B
  is killed (SIGKILL, no drain) and restarted in between.

It prints p50/p99 latency (soak and baseline, and their ratio), requests and errors per
node, and the version check: every SODA answer about `soak-batch` must come from one
published version (`min(batch) = max(batch)` and `count(*) = --rows`), and no client
may see an older version after a newer one. Errors on node A, the node that stays up,
must be zero; node B's connection errors while it is down are counted apart.
Exits 1 if node A had an error or any answer mixed versions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from results import record

ROOT = Path(__file__).resolve().parents[1]
DATASET = "soak-batch"
VERSION_PROBE = f"/resource/{DATASET}.json?" + urllib.parse.urlencode(
    {"$select": "min(batch) as lo, max(batch) as hi, count(*) as n"}
)
MIX = [
    ("page: home", "/"),
    ("page: datasets", "/datasets/"),
    ("page: dataset", f"/datasets/{DATASET}/"),
    ("api: version probe", VERSION_PROBE),
    ("api: filtered rows", f"/resource/{DATASET}.json?$where=category%3D%27c7%27&$limit=50"),
    (
        "api: aggregate",
        f"/resource/{DATASET}.json?$select=category,sum(amount)%20as%20total&$group=category",
    ),
    ("api: metadata", f"/api/views/{DATASET}.json"),
    ("page: health", "/healthz"),
]
CREATE_DATASET = f"""
from citystat.catalog.models import Dataset
Dataset.objects.get_or_create(slug="{DATASET}", defaults=dict(
    title="Soak batches", is_public=True,
    table_schema={{"fields": [
        {{"name": "id", "type": "integer"}}, {{"name": "batch", "type": "integer"}},
        {{"name": "category", "type": "string"}}, {{"name": "amount", "type": "number"}},
    ], "primaryKey": ["id"]}},
))
"""


def write_batch(path: Path, rows: int, batch: int) -> None:
    duckdb.sql(
        f"copy (select i as id, {batch} as batch, 'c' || (i % 20) as category, "
        f"(i % 997) * 1.5 as amount from range({rows}) t(i)) to '{path}' (header)"
    )


@dataclass
class Node:
    name: str
    env: dict
    port: int
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        started = time.perf_counter()
        assert self.log is not None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(self.port), "--workers", "2"],
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            # Its own process group, so kill() takes the workers down with the master.
            start_new_session=True,
        )
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).read()
                return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError(f"node {self.name} exited; see {self.log}") from None
                time.sleep(0.2)

    def kill(self) -> None:
        """Kill the node as a power cut would: master and workers at once, no drain."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict = field(default_factory=lambda: defaultdict(list))  # (phase, kind) → s
    requests: dict = field(default_factory=lambda: defaultdict(int))  # node → count
    errors: dict = field(default_factory=lambda: defaultdict(list))  # node → [text]
    down_errors: int = 0  # node B refusing connections while it is dead
    batches_seen: set = field(default_factory=set)
    mixed: list = field(default_factory=list)
    went_back: list = field(default_factory=list)


def client(nodes, results, phase, stop, rows, down, offset):
    index = offset
    newest = 0
    while not stop.is_set():
        node = nodes[index % len(nodes)]
        kind, path = MIX[index % len(MIX)]
        index += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(node.url + path, timeout=60) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            with results.lock:
                if node.name == "B" and down.is_set():
                    results.down_errors += 1
                else:
                    results.errors[node.name].append(f"{kind}: {error}")
            time.sleep(0.05)
            continue
        elapsed = time.perf_counter() - started
        with results.lock:
            results.requests[node.name] += 1
            if status != 200:
                results.errors[node.name].append(f"{kind}: HTTP {status}")
                continue
            results.latencies[(phase[0], kind)].append(elapsed)
            if kind == "api: version probe":
                [row] = json.loads(body)
                lo, hi, n = int(row["lo"]), int(row["hi"]), int(row["n"])
                results.batches_seen.add(lo)
                if lo != hi or n != rows:
                    results.mixed.append(row)
                if lo < newest:
                    results.went_back.append((newest, lo))
                newest = max(newest, lo)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CITYSTAT_TEST_POSTGRES_URL", "postgres://citystat:citystat@127.0.0.1:5432/citystat"
        ),
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="citystat-soak-"))
    name = f"citystat_ops_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = urllib.parse.urlsplit(args.postgres_url)._replace(path=f"/{name}").geturl()
    nodes: list[Node] = []
    try:
        return soak(args, work, database_url, nodes)
    finally:
        for node in nodes:
            node.stop()
        with psycopg.connect(args.postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # The nodes' logs outlive the run: a failed request's traceback is in them.
        logs = Path(tempfile.mkdtemp(prefix="citystat-soak-logs-"))
        for log in work.glob("node-*.log"):
            shutil.copy(log, logs / log.name)
        print(f"node logs: {logs}")
        shutil.rmtree(work, ignore_errors=True)


def soak(args, work: Path, database_url: str, nodes: list[Node]) -> int:
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.ops.tests.conftest import free_port  # noqa: PLC0415

    base_env = {**os.environ, "DATABASE_URL": database_url}
    for variable in ("DJANGO_SETTINGS_MODULE", "CITYSTAT_CACHE_URL"):
        base_env.pop(variable, None)
    # One warehouse folder for both nodes: the shared volume of a multi-node site. The
    # API's per-address limit would otherwise stop one client machine sending 64 streams.
    base_env["CITYSTAT_WAREHOUSE"] = str(work / "warehouse")
    base_env["CITYSTAT_API_RATE_ANON"] = "100000000/minute"
    for label in ("A", "B"):
        env = {**base_env, "CITYSTAT_HOME": str(work / f"node-{label}")}
        nodes.append(Node(label, env, free_port(), log=work / f"node-{label}.log"))
    a, b = nodes

    def citystat(*command: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "citystat", *command],
            env=a.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"citystat {command[0]} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    print(f"preparing: {args.rows:,} rows a batch, in {work}", flush=True)
    citystat("migrate", "-v0")
    # Static files compressed once, copied to the other node (as an image build would).
    citystat("serve", "--collect-only")
    shutil.copytree(work / "node-A" / "static", work / "node-B" / "static")
    citystat("shell", "-c", CREATE_DATASET)
    batches = []
    for number in (1, 2, 3):
        path = work / f"batch-{number}.csv"
        write_batch(path, args.rows, number)
        batches.append(path)
    started = time.perf_counter()
    citystat("ingest", DATASET, str(batches[0]))
    first_load = time.perf_counter() - started
    print(f"first load: {first_load:.1f} s", flush=True)
    for node in nodes:
        print(f"node {node.name} ready in {node.start():.1f} s", flush=True)

    results = Results()
    phase = ["quiet"]
    stop = threading.Event()
    b_down = threading.Event()
    threads = [
        threading.Thread(
            target=client, args=(nodes, results, phase, stop, args.rows, b_down, i), daemon=True
        )
        for i in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    quiet = max(15.0, args.duration / 10)
    time.sleep(quiet)
    phase[0] = "soak"
    soak_started = time.monotonic()
    events: list[str] = []

    def at(fraction: float) -> None:
        wait = soak_started + fraction * (args.duration - quiet) - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def reload(number: int) -> float:
        begun = time.perf_counter()
        citystat("ingest", DATASET, str(batches[number - 1]))
        seconds = time.perf_counter() - begun
        events.append(f"reload to batch {number}: {seconds:.1f} s")
        return seconds

    at(0.05)
    reload(2)
    at(0.40)
    a_requests_before = results.requests["A"]
    b_down.set()
    b.kill()
    events.append(f"node B killed at {time.monotonic() - soak_started:.0f} s of the soak")
    time.sleep(5)
    restart = b.start()
    b_down.clear()
    events.append(f"node B restarted, ready in {restart:.1f} s")
    at(0.55)
    reload(3)
    at(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)

    def summary(phase_name: str) -> list[float]:
        return [
            value
            for (name, _), values in results.latencies.items()
            if name == phase_name
            for value in values
        ]

    quiet_values, soak_values = summary("quiet"), summary("soak")
    print()
    print(
        f"dataset: {args.rows:,} rows; {args.connections} connections; "
        f"{quiet:.0f} s quiet + {args.duration - quiet:.0f} s soak"
    )
    for event in events:
        print(f"  {event}")
    print(
        f"requests answered: A {results.requests['A']:,}, B {results.requests['B']:,} "
        f"(A during B's outage: {results.requests['A'] - a_requests_before:,}+)"
    )
    for label, values in (("baseline (quiet)", quiet_values), ("soak", soak_values)):
        print(
            f"{label:>17}: p50 {statistics.median(values) * 1000:7.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:7.1f} ms, {len(values):,} answers"
        )
    ratio50 = statistics.median(soak_values) / statistics.median(quiet_values)
    ratio99 = percentile(soak_values, 0.99) / percentile(quiet_values, 0.99)
    print(f"{'ratio soak/quiet':>17}: p50 ×{ratio50:.2f}, p99 ×{ratio99:.2f}")
    print("by request kind (soak): p50 / p99 ms")
    for (name, kind), values in sorted(results.latencies.items()):
        if name == "soak":
            print(
                f"  {kind:<20} {statistics.median(values) * 1000:7.1f} / "
                f"{percentile(values, 0.99) * 1000:7.1f}  ({len(values):,})"
            )
    print(f"errors on node A (stayed up): {len(results.errors['A'])}")
    print(
        f"errors on node B while up: {len(results.errors['B'])}; "
        f"refused while down: {results.down_errors}"
    )
    for node_name, errors in results.errors.items():
        for error in errors[:5]:
            print(f"  {node_name}: {error}")
    print(
        f"versions seen: {sorted(results.batches_seen)}; answers mixing versions: "
        f"{len(results.mixed)}; a client seeing an older version after a newer: "
        f"{len(results.went_back)}"
    )
    failed = results.errors["A"] or results.mixed or results.went_back
    for quantile, fraction in (("p50", 0.5), ("p99", 0.99)):
        record(
            f"soak {quantile}: 2 nodes, {args.connections} connections, 2 reloads, 1 node killed",
            percentile(soak_values, fraction) * 1000,
            "ms",
            baseline=percentile(quiet_values, fraction) * 1000,
            baseline_label="the same load before the reloads",
        )
    a_errors = len(results.errors["A"])
    record("soak errors on the surviving node", a_errors, "errors", target="0", met=not a_errors)
    mixed = len(results.mixed) + len(results.went_back)
    record("soak answers mixing dataset versions", mixed, "answers", target="0", met=not mixed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    sys.exit(main())
