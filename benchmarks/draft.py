"""Time `citystat dataset draft` on the demo city's 311 file against reading its sample.

    .venv/bin/citystat demo-data --out /tmp/dd10m --rows 10000000
    .venv/bin/python benchmarks/draft.py /tmp/dd10m/service_requests.csv [--repeat 3]

Three figures, measured in the same run:
(a) baseline: DuckDB reading the rows the draft reads (the first SAMPLE_ROWS, as text)
    into a table, in a fresh process;
(b) reference: `wc -l` of the whole file, what any full pass costs at the least;
(c) the command itself, `citystat dataset draft FILE`, start-up included, as a person
    runs it.
Exits 1 when the draft takes 5 s or more (issue #17).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 5.0
BASELINE = """
import sys, time, duckdb
from citystat.catalog.inference import SAMPLE_ROWS
connection = duckdb.connect()
connection.execute("set enable_progress_bar = false")
started = time.perf_counter()
connection.execute(
    "create table t as select * from read_csv(?, header = true, all_varchar = true) limit ?",
    [sys.argv[1], SAMPLE_ROWS],
)
print(time.perf_counter() - started)
"""


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run `command`; return its wall seconds, its CPU seconds and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="The demo city's service_requests.csv.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per side; best is kept.")
    options = parser.parse_args()
    size = Path(options.csv).stat().st_size
    print(f"file: {options.csv} ({size / 2**30:.2f} GiB), best of {options.repeat}")
    sample, count, draft, draft_cpu, startup = [], [], [], [], []
    schema: dict = {}
    command = [sys.executable, "-m", "citystat", "dataset", "draft"]
    for _ in range(options.repeat):
        # Interleaved, so a burst of other work on the machine hits every side alike.
        printed = timed([sys.executable, "-c", BASELINE, options.csv])[2]
        sample.append(float(printed.strip()))
        count.append(timed(["wc", "-l", options.csv])[0])
        startup.append(timed([*command, "--help"])[0])
        seconds, cpu, printed = timed([*command, options.csv])
        draft.append(seconds)
        draft_cpu.append(cpu)
        schema = json.loads(printed)
    best_sample, best_count, best_draft = min(sample), min(count), min(draft)
    print(f"baseline   duckdb read of the sample:       {best_sample:6.2f} s")
    print(f"reference  wc -l of the whole file:         {best_count:6.2f} s")
    print(f"reference  citystat start-up (--help):      {min(startup):6.2f} s")
    print(
        f"citystat   dataset draft (start-up incl.):  {best_draft:6.2f} s  "
        f"CPU {min(draft_cpu):.2f} s"
    )
    print(f"fields: {len(schema.get('fields', []))}, key: {schema.get('primaryKey')}")
    print(f"ratio vs. duckdb sample read: {best_draft / best_sample:.2f}")
    print(f"ratio vs. wc -l: {best_draft / best_count:.2f}")
    print(f"limit: {LIMIT_SECONDS:.0f} s; {'met' if best_draft < LIMIT_SECONDS else 'NOT met'}")
    record(
        "dataset draft of the 311 file",
        best_draft,
        "s",
        baseline=best_sample,
        baseline_label="DuckDB read of the same sample",
        target=f"< {LIMIT_SECONDS:.0f} s",
        met=best_draft < LIMIT_SECONDS,
    )
    if best_draft >= LIMIT_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
