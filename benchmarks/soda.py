"""Time a SODA query over the demo's 311 data: citystat over HTTP, DuckDB in-process, Datasette.

    .venv/bin/citystat demo-data --out /tmp/dd10m --rows 10000000
    .venv/bin/python benchmarks/soda.py /tmp/dd10m/service_requests.csv [--repeat 25]

One run measures, on the same rows:
(a) citystat: `GET /resource/service-requests.json` with the SoQL below, served by
    `citystat serve` (gunicorn) on a local port, p50 over --repeat requests after a warm-up;
(b) the same aggregation written by hand as DuckDB SQL over the published Parquet version,
    in this process (the floor: parsing, checking and HTTP are what (a) adds);
(c) Datasette, installed by this script into its own virtual environment, serving
    the same rows (every published column) from SQLite with the equivalent SQL
    (sql_time_limit_ms raised: at its default of 1 s it cannot answer at this size).
(d) citystat again, the same question asked as one `$query` statement, requests to (a)
    and (d) taking turns so that both see the same machine.
Exits 1 unless (a) has p50 < 250 ms, (a)/(b) ≤ 1.5, (d)/(a) ≤ 1.10 and (c)/(a) ≥ 50
(--no-datasette leaves (c) out, for a quick run).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
from local_server import free_port, wait_for
from results import record

ROOT = Path(__file__).resolve().parent.parent
SOQL = {
    "$select": "request_type, date_trunc_ym(created_date) as month, count(*)",
    "$where": "created_date > '2025-01-01'",
    "$group": "request_type, month",
    "$limit": "50000",
}
# The same question as one $query statement, what sodapy sends for `query=` (#18).
STATEMENT = (
    "SELECT request_type, date_trunc_ym(created_date) as month, count(*) "
    "WHERE created_date > '2025-01-01' GROUP BY request_type, month LIMIT 50000"
)
DUCKDB_SQL = (
    "select request_type, date_trunc('month', created_date::timestamp) as month, count(*) "
    "from requests where created_date > '2025-01-01' group by 1, 2 order by 1, 2, 3"
)
SQLITE_SQL = (
    "select request_type, substr(created_date, 1, 7) as month, count(*) from requests "
    "where created_date > '2025-01-01' group by 1, 2 order by 1, 2, 3"
)
P50_LIMIT_MS, DUCKDB_RATIO_LIMIT, DATASETTE_RATIO_LIMIT = 250.0, 1.5, 50.0
STATEMENT_RATIO_LIMIT = 1.10


def p50_of_turns(urls: list[str], repeat: int) -> list[float]:
    """Return each URL's p50, asking them in turn so that drift reaches all alike."""
    for url in urls:
        urllib.request.urlopen(url).read()  # warm-up
    timings: list[list[float]] = [[] for _ in urls]
    for _ in range(repeat):
        for index, url in enumerate(urls):
            started = time.perf_counter()
            with urllib.request.urlopen(url) as response:
                response.read()
            timings[index].append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in timings]


def p50_of_requests(url: str, repeat: int) -> float:
    urllib.request.urlopen(url, timeout=600).read()  # warm-up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        urllib.request.urlopen(url, timeout=600).read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def citystat(home: Path, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYSTAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "citystat", *command], env=env, cwd=ROOT, check=True, **kwargs
    )


def load(home: Path, csv_path: Path) -> Path:
    """Load the CSV as the demo's service-requests dataset; return its Parquet version."""
    citystat(home, ["migrate", "-v0"])
    script = (
        "from citystat.demo.build import save_dataset\n"
        "from citystat.demo.datasets import DEMO_DATASETS\n"
        "from citystat.catalog.ingest import ingest\n"
        "definition = next(d for d in DEMO_DATASETS if d['slug'] == 'service-requests')\n"
        f"version = ingest(save_dataset(definition), {str(csv_path)!r})\n"
        "from citystat.catalog.warehouse import version_path\n"
        "print(version_path('service-requests', version.number))\n"
    )
    result = citystat(home, ["shell", "-c", script], capture_output=True, text=True)
    return Path(result.stdout.strip().splitlines()[-1])


def duckdb_p50(parquet: Path, repeat: int) -> float:
    connection = duckdb.connect()
    connection.read_parquet(str(parquet)).create_view("requests")
    connection.execute(DUCKDB_SQL).fetchall()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        connection.execute(DUCKDB_SQL).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def sqlite_copy(parquet: Path, database: Path) -> None:
    """Copy every published column of every row into SQLite, in batches, for Datasette."""
    source = duckdb.connect()
    cursor = source.execute(f"select * from '{parquet}'")
    names = [column[0] for column in cursor.description]
    connection = sqlite3.connect(database)
    connection.execute(f"create table requests ({', '.join(names)})")
    placeholders = ", ".join("?" for _ in names)
    while batch := cursor.fetchmany(100_000):
        rows = [tuple(v if isinstance(v, int | float | str) or v is None else str(v) for v in row)
                for row in batch]  # fmt: skip
        connection.executemany(f"insert into requests values ({placeholders})", rows)
    connection.commit()
    connection.close()


def datasette_p50(folder: Path, database: Path, repeat: int) -> float:
    venv = folder / "datasette-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "datasette"], check=True)
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "datasette"), "serve", str(database), "--port", str(port),
         "--setting", "sql_time_limit_ms", "600000", "--setting", "max_returned_rows", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/-/versions.json")
        query = urllib.parse.urlencode({"sql": SQLITE_SQL, "_shape": "array"})
        return p50_of_requests(f"{base}/{database.stem}.json?{query}", max(3, repeat // 5))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="service_requests.csv from citystat demo-data")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--no-datasette", action="store_true", help="leave out (c)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citystat-soda-") as name:
        folder = Path(name)
        home = folder / "home"
        started = time.perf_counter()
        parquet = load(home, options.csv.resolve())
        print(f"loaded in {time.perf_counter() - started:.0f} s: {parquet}")
        port = free_port()
        env = {**os.environ, "CITYSTAT_HOME": str(home)}
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
            resource = f"http://127.0.0.1:{port}/resource/service-requests.json?"
            citystat_ms, statement_ms = p50_of_turns(
                [
                    resource + urllib.parse.urlencode(SOQL),
                    resource + urllib.parse.urlencode({"$query": STATEMENT}),
                ],
                options.repeat,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        duckdb_ms = duckdb_p50(parquet, options.repeat)
        datasette_ms = None
        if not options.no_datasette:
            database = folder / "requests.db"
            started = time.perf_counter()
            sqlite_copy(parquet, database)
            print(f"copied to SQLite in {time.perf_counter() - started:.0f} s")
            datasette_ms = datasette_p50(folder, database, options.repeat)
    ratio_duckdb = citystat_ms / duckdb_ms
    ratio_statement = statement_ms / citystat_ms
    print(f"citystat SODA p50:   {citystat_ms:8.1f} ms (limit {P50_LIMIT_MS:.0f} ms)")
    print(
        f"DuckDB by hand p50:  {duckdb_ms:8.1f} ms; "
        f"citystat / DuckDB = {ratio_duckdb:.2f} (limit {DUCKDB_RATIO_LIMIT})"
    )
    print(
        f"citystat $query p50: {statement_ms:8.1f} ms; "
        f"$query / $-parameters = {ratio_statement:.2f} (limit {STATEMENT_RATIO_LIMIT})"
    )
    record(
        "SODA $query p50 over HTTP",
        statement_ms,
        "ms",
        baseline=citystat_ms,
        baseline_label="the same question as $-parameters",
        target=f"≤ {STATEMENT_RATIO_LIMIT} × baseline",
        met=ratio_statement <= STATEMENT_RATIO_LIMIT,
    )
    failed = ratio_statement > STATEMENT_RATIO_LIMIT
    if datasette_ms is not None:
        ratio_datasette = datasette_ms / citystat_ms
        print(
            f"Datasette p50:       {datasette_ms:8.1f} ms; "
            f"Datasette / citystat = {ratio_datasette:.0f}x "
            f"(at least {DATASETTE_RATIO_LIMIT:.0f}x)"
        )
        record(
            "Datasette p50, same query",
            datasette_ms,
            "ms",
            baseline=citystat_ms,
            baseline_label="citystat SODA",
            target=f"≥ {DATASETTE_RATIO_LIMIT:.0f} × baseline",
            met=ratio_datasette >= DATASETTE_RATIO_LIMIT,
        )
        failed = failed or ratio_datasette < DATASETTE_RATIO_LIMIT
    record(
        "SODA query p50 over HTTP",
        citystat_ms,
        "ms",
        baseline=duckdb_ms,
        baseline_label="the same SQL in DuckDB, in process",
        target=f"< {P50_LIMIT_MS:.0f} ms, ≤ {DUCKDB_RATIO_LIMIT} × baseline",
        met=citystat_ms < P50_LIMIT_MS and ratio_duckdb <= DUCKDB_RATIO_LIMIT,
    )
    failed = failed or citystat_ms >= P50_LIMIT_MS or ratio_duckdb > DUCKDB_RATIO_LIMIT
    print("result: " + ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
