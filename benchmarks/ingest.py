"""Time `citystat ingest` against DuckDB's own CREATE TABLE … AS SELECT * FROM read_csv(…).

    .venv/bin/citystat demo-data --out /tmp/dd10m --rows 10000000
    .venv/bin/python benchmarks/ingest.py /tmp/dd10m/service_requests.csv [--repeat 3]
    .venv/bin/python benchmarks/ingest.py /tmp/dd10m/service_requests.csv --split

With --split the file is first cut in two halves (each with the header) and both sides
read the two files: the baseline as one read_csv over both, the load as one version of
two files (`citystat ingest SLUG FILE1 FILE2`).

Each side runs in its own child process, so each peak RSS is its own.
(a) baseline: `CREATE TABLE t AS SELECT * FROM read_csv(file, header = true)` into a fresh
    DuckDB database file. DuckDB sniffs types from the first 20,480 rows; when that guess
    fails later in the file (the demo file's dates read as day/month until 13 May), the
    same statement is timed with the one hint it needs, dateformat = '%m/%d/%Y'.
(b) the real load: `ingest()` of the demo city's 311 dataset, typed and checked against its
    schema, into a published Parquet version, with the app database on SQLite.
Exits 1 when the load takes more than 1.5 × the baseline or its peak RSS reaches 3 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django
import duckdb
from django.core.management import call_command
from results import record

MAX_RATIO = 1.5
# How the child processes are handed several files in one argument.
PATH_SEPARATOR = "\n"
MAX_RSS_MIB = 3 * 1024.0


def baseline(path: str, folder: str) -> dict:
    paths = path.split(PATH_SEPARATOR)
    result: dict = {"hint": None}
    for hint in (None, "%m/%d/%Y"):
        database = Path(folder) / f"baseline-{hint is not None}.duckdb"
        connection = duckdb.connect(str(database))
        options = ", dateformat = ?" if hint else ""
        started = time.perf_counter()
        try:
            connection.execute(
                f"create table t as select * from read_csv(?, header = true{options})",
                [paths, hint] if hint else [paths],
            )
        except duckdb.Error as error:
            result["plain_error"] = str(error).splitlines()[0]
            connection.close()
            continue
        result["seconds"] = time.perf_counter() - started
        result["rows"] = connection.execute("select count(*) from t").fetchone()[0]
        result["hint"] = hint
        connection.close()
        break
    return result


def load(path: str, folder: str) -> dict:
    os.environ["CITYSTAT_HOME"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    # Not the pages rendered again after each compute: benchmarks/pages.py times those.
    os.environ.setdefault("CITYSTAT_WARM_PAGES", "off")

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.catalog.ingest import ingest  # noqa: PLC0415
    from citystat.catalog.models import Dataset  # noqa: PLC0415
    from citystat.demo.datasets import DEMO_DATASETS  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    definition = next(d for d in DEMO_DATASETS if d["slug"] == "service-requests")
    dataset = Dataset.objects.create(
        slug=definition["slug"],
        title=definition["title"],
        table_schema=definition["table_schema"],
        column_map=definition["column_map"],
    )
    paths = path.split(PATH_SEPARATOR)
    started = time.perf_counter()
    version = ingest(dataset, paths if len(paths) > 1 else paths[0])
    return {
        "seconds": time.perf_counter() - started,
        "rows": version.row_count,
        "timings": version.report.get("timings", {}),
    }


def child(kind: str, path: str) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"citystat-bench-{kind}-") as folder:
        result = (baseline if kind == "baseline" else load)(path, folder)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    # CPU seconds of the whole child, Django start-up included: a steadier measure than
    # wall time on a machine other work shares.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def run_child(kind: str, path: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, path],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"the {kind} run failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="The demo city's service_requests.csv.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per side; best is kept.")
    parser.add_argument(
        "--split", action="store_true", help="Cut the file in two and load both as one version."
    )
    parser.add_argument("--child", choices=["baseline", "load"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.child, options.csv)))
        return
    if options.split:
        with tempfile.TemporaryDirectory(prefix="citystat-bench-split-") as folder:
            halves = split_in_two(Path(options.csv), Path(folder))
            compare(PATH_SEPARATOR.join(map(str, halves)), options.repeat, " (2 files)")
        return
    compare(options.csv, options.repeat, "")


def split_in_two(path: Path, folder: Path) -> list[Path]:
    """Write the file's rows as two files of about equal size, each with the header."""
    size = path.stat().st_size
    halves = [folder / "first_half.csv", folder / "second_half.csv"]
    with path.open("rb") as source:
        header = source.readline()
        source.seek(size // 2)
        source.readline()  # to the start of the next line (the demo data has no quoted newlines)
        middle = source.tell()
        source.seek(len(header))
        with halves[0].open("wb") as out:
            out.write(header)
            remaining = middle - len(header)
            while remaining > 0:
                chunk = source.read(min(1 << 24, remaining))
                out.write(chunk)
                remaining -= len(chunk)
        with halves[1].open("wb") as out:
            out.write(header)
            while chunk := source.read(1 << 24):
                out.write(chunk)
    return halves


def compare(csv: str, repeat: int, note: str) -> None:
    paths = csv.split(PATH_SEPARATOR)
    size = sum(Path(path).stat().st_size for path in paths)
    print(f"file: {', '.join(paths)} ({size / 2**30:.2f} GiB), best of {repeat}")
    runs: dict[str, list[dict]] = {"baseline": [], "load": []}
    for _ in range(repeat):
        # Interleaved, so a burst of other work on the machine hits both sides alike.
        for kind in runs:
            runs[kind].append(run_child(kind, csv))
    base = min(runs["baseline"], key=lambda run: run["seconds"])
    ours = min(runs["load"], key=lambda run: run["seconds"])
    if base.get("plain_error"):
        print(f"plain CREATE TABLE AS read_csv failed: {base['plain_error']}")
        print(f"baseline re-timed with dateformat = {base['hint']!r}")
    print(
        f"baseline  duckdb CREATE TABLE AS read_csv:    {base['seconds']:7.2f} s  "
        f"{base['rows']:,} rows  peak RSS {base['peak_rss_mib']:,.0f} MiB  "
        f"CPU {base['cpu_seconds']:.1f} s"
    )
    print(
        f"citystat  ingest (typed, checked, published): {ours['seconds']:7.2f} s  "
        f"{ours['rows']:,} rows  peak RSS {ours['peak_rss_mib']:,.0f} MiB  "
        f"CPU {ours['cpu_seconds']:.1f} s"
    )
    print(f"steps: {ours['timings']}")
    if repeat > 1:
        print(
            "all runs, s: baseline",
            [round(r["seconds"], 1) for r in runs["baseline"]],
            "ingest",
            [round(r["seconds"], 1) for r in runs["load"]],
        )
    peak = max(run["peak_rss_mib"] for run in runs["load"])
    ratio = ours["seconds"] / base["seconds"]
    print(f"CPU ratio: {ours['cpu_seconds'] / base['cpu_seconds']:.2f}")
    print(
        f"ratio: {ratio:.2f} (limit {MAX_RATIO})  peak RSS: {peak:,.0f} MiB "
        f"(limit {MAX_RSS_MIB:,.0f})"
    )
    record(
        f"ingest {ours['rows']:,} 311 rows{note} (typed, checked, published)",
        ours["seconds"],
        "s",
        baseline=base["seconds"],
        baseline_label="DuckDB CREATE TABLE AS read_csv",
        target=f"≤ {MAX_RATIO} × baseline",
        met=ratio <= MAX_RATIO,
    )
    record(
        f"ingest peak RSS{note}",
        peak,
        "MiB",
        baseline=base["peak_rss_mib"],
        baseline_label="DuckDB CREATE TABLE AS read_csv",
        target=f"< {MAX_RSS_MIB:,.0f} MiB",
        met=peak < MAX_RSS_MIB,
    )
    if ratio > MAX_RATIO or peak >= MAX_RSS_MIB:
        sys.exit(1)


if __name__ == "__main__":
    main()
