"""Time `citystat demo-data` against the CSV writer's own floor and check its limits.

    .venv/bin/python benchmarks/demo_data.py [--rows 10000000]

(a) baseline: the same number of rows of a trivial table as wide as service_requests.csv,
    written by the same pyarrow CSV writer in 250k-row chunks (the I/O floor);
(b) the real generator, in a child process so its peak RSS can be read on its own.
Exits 1 when 10 million rows would take 90 s or more, or the generator's RSS reaches 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
from results import record

MAX_SECONDS_PER_10M = 90.0
MAX_RSS_MIB = 2048.0
CHUNK_ROWS = 250_000
COLUMNS = 21
GENERATOR = """
import sys
from pathlib import Path
import django
django.setup()
from citystat.demo.generator import generate_city
generate_city(Path(sys.argv[1]), rows=int(sys.argv[2]), seed=2024)
"""


def write_baseline(path: Path, rows: int) -> None:
    """Write `rows` of a constant 21-column table with short strings and numbers."""
    schema = pa.schema(
        [(f"c{index}", pa.string() if index % 2 else pa.int64()) for index in range(COLUMNS)]
    )
    chunk = min(rows, CHUNK_ROWS)
    columns = [
        pa.array(["x" * 8] * chunk) if index % 2 else pa.array(range(chunk), pa.int64())
        for index in range(COLUMNS)
    ]
    batch = pa.RecordBatch.from_arrays(columns, schema=schema)
    options = pa_csv.WriteOptions(quoting_style="needed")
    with pa_csv.CSVWriter(str(path), schema, write_options=options) as writer:
        remaining = rows
        while remaining > 0:
            writer.write_batch(batch.slice(0, min(remaining, chunk)))
            remaining -= chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory(prefix="citystat-bench-") as folder:
        started = time.monotonic()
        write_baseline(Path(folder) / "baseline.csv", rows)
        baseline = time.monotonic() - started
        (Path(folder) / "baseline.csv").unlink()

        out = Path(folder) / "city"
        out.mkdir()
        env_python = sys.executable
        started = time.monotonic()
        subprocess.run(
            [env_python, "-c", GENERATOR, str(out), str(rows)],
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "citystat.settings"},
            cwd=Path(__file__).resolve().parent.parent,
        )
        generator = time.monotonic() - started
        size_mib = (out / "service_requests.csv").stat().st_size / 2**20
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    per_10m = generator * 10_000_000 / rows
    print(f"rows:       {rows:,}")
    print(f"baseline:   {baseline:.1f} s, {rows / baseline:,.0f} rows/s")
    print(f"generator:  {generator:.1f} s, {rows / generator:,.0f} rows/s")
    print(f"ratio:      {generator / baseline:.2f} x the baseline")
    print(f"peak RSS:   {rss_mib:.0f} MiB (generator process)")
    print(f"311 file:   {size_mib:,.0f} MiB")
    print(f"per 10M:    {per_10m:.1f} s (limit {MAX_SECONDS_PER_10M:.0f} s)")
    failed = per_10m >= MAX_SECONDS_PER_10M or rss_mib >= MAX_RSS_MIB
    record(
        f"generate {rows:,} demo 311 rows",
        generator,
        "s",
        baseline=baseline,
        baseline_label="pyarrow writing a trivial table as wide",
        target=f"< {MAX_SECONDS_PER_10M:.0f} s per 10M rows",
        met=per_10m < MAX_SECONDS_PER_10M,
    )
    record(
        "demo data generator peak RSS",
        rss_mib,
        "MiB",
        target=f"< {MAX_RSS_MIB:.0f} MiB",
        met=rss_mib < MAX_RSS_MIB,
    )
    print("result:     " + ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
