"""Time the HTTP around SODA (#18): SODA3 and 304s against the same SODA 2.x query, and a
bulk reader paging through a whole dataset with sodapy at default settings.

    .venv/bin/python benchmarks/soda_http.py [--rows 200000] [--repeat 25]

One run loads a generated dataset of --rows rows into a fresh home, serves it with
`citystat serve` on a local port, and measures, p50 over --repeat requests after a warm-up:
(a) baseline: `GET /resource/ledger.json?$query=…` (an aggregation over every row);
(b) the same question as SODA3 `GET /api/v3/views/ledger/query.json?query=…`;
(c) the same as SODA3 `POST` with a JSON body;
(d) (a) again with `If-None-Match` of its ETag: the 304 revalidation;
then (e) sodapy's `get_all` over every row, unmodified, with no app token.
Prints (b)/(a), (c)/(a) and (d)/(a). Exits 1 unless (b) and (c) are within 10% of (a),
(d) is cheaper than (a), and (e) reads every row without a 429.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import requests
from local_server import citystat, free_port, wait_for
from results import record
from sodapy import Socrata

ROOT = Path(__file__).resolve().parent.parent
QUERY = (
    "SELECT name, paid, count(*) AS n, sum(amount) AS total, avg(amount) AS mean "
    "WHERE amount > 10 GROUP BY name, paid ORDER BY name, paid LIMIT 50000"
)
SAME_WITHIN = 1.10
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "name", "type": "string"},
        {"name": "paid", "type": "boolean"},
        {"name": "amount", "type": "number"},
        {"name": "owner", "type": "string", "public": False},
    ],
    "primaryKey": ["id"],
}


def write_rows(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "paid", "amount", "owner"])
        for i in range(1, rows + 1):
            writer.writerow([i, f"item {i % 97}", i % 3 == 0, (i * 7) % 1000 / 4, f"p{i}"])


def load(home: Path, source: Path) -> None:
    citystat(home, ["migrate", "-v0"])
    script = (
        "from citystat.catalog.models import Dataset\n"
        "from citystat.catalog.ingest import ingest\n"
        f"schema = {SCHEMA!r}\n"
        "dataset = Dataset.objects.create(slug='ledger', title='Ledger', "
        "table_schema=schema, is_public=True)\n"
        f"ingest(dataset, {str(source)!r})\n"
    )
    citystat(home, ["shell", "-c", script])


def timed(request: urllib.request.Request | str, repeat: int) -> float:
    """p50 in ms of sending `request` (a 304 raises HTTPError in urllib: counted too)."""

    def send() -> None:
        try:
            urllib.request.urlopen(request, timeout=600).read()
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise

    send()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        send()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=25)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citystat-soda-http-") as name:
        folder = Path(name)
        home = folder / "home"
        source = folder / "ledger.csv"
        write_rows(source, options.rows)
        load(home, source)
        port = free_port()
        env = {**os.environ, "CITYSTAT_HOME": str(home)}
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz")
            soda2 = f"{base}/resource/ledger.json?" + urllib.parse.urlencode({"$query": QUERY})
            soda3_get = f"{base}/api/v3/views/ledger/query.json?" + urllib.parse.urlencode(
                {"query": QUERY}
            )
            soda3_post = urllib.request.Request(
                f"{base}/api/v3/views/ledger/query.json",
                data=json.dumps({"query": QUERY}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            etag = urllib.request.urlopen(soda2, timeout=600).headers["ETag"]
            revalidate = urllib.request.Request(soda2, headers={"If-None-Match": etag})
            # Interleaved rounds, so that a slow moment of the machine hits every kind alike.
            rounds = {"soda2": [], "soda3_get": [], "soda3_post": [], "revalidate": []}
            for _ in range(5):
                rounds["soda2"].append(timed(soda2, options.repeat // 5 or 1))
                rounds["soda3_get"].append(timed(soda3_get, options.repeat // 5 or 1))
                rounds["soda3_post"].append(timed(soda3_post, options.repeat // 5 or 1))
                rounds["revalidate"].append(timed(revalidate, options.repeat // 5 or 1))
            p50 = {kind: statistics.median(values) for kind, values in rounds.items()}

            adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
            started = time.perf_counter()
            with Socrata(f"127.0.0.1:{port}", None, session_adapter=adapter, timeout=600) as client:
                read = sum(1 for _ in client.get_all("ledger", select="id"))
            get_all_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    ratios = {kind: p50[kind] / p50["soda2"] for kind in ("soda3_get", "soda3_post", "revalidate")}
    print(f"SODA 2.x $query p50:      {p50['soda2']:8.1f} ms (baseline)")
    print(f"SODA3 GET query.json p50: {p50['soda3_get']:8.1f} ms = {ratios['soda3_get']:.2f}x")
    print(f"SODA3 POST query.json:    {p50['soda3_post']:8.1f} ms = {ratios['soda3_post']:.2f}x")
    print(f"304 revalidation p50:     {p50['revalidate']:8.1f} ms = {ratios['revalidate']:.2f}x")
    print(
        f"sodapy get_all:           {read:,} of {options.rows:,} rows in {get_all_seconds:.1f} s "
        f"({options.rows // 1000} pages, no app token)"
    )
    same = ratios["soda3_get"] <= SAME_WITHIN and ratios["soda3_post"] <= SAME_WITHIN
    cheaper = ratios["revalidate"] < 1
    whole = read == options.rows
    for kind in ("soda3_get", "soda3_post", "revalidate"):
        record(
            f"{kind} / SODA 2.x $query",
            p50[kind],
            "ms",
            baseline=p50["soda2"],
            baseline_label="SODA 2.x $query, same run",
            target="≤ 1.10x" if kind != "revalidate" else "< 1x",
            met=(ratios[kind] <= SAME_WITHIN) if kind != "revalidate" else cheaper,
        )
    record(
        f"sodapy get_all of {options.rows:,} rows",
        get_all_seconds,
        "s",
        target="every row, no 429",
        met=whole,
    )
    return 0 if same and cheaper and whole else 1


if __name__ == "__main__":
    sys.exit(main())
