"""Time `citystat peers refresh` (#24): 2 SODA peers × 20 measures over --rows rows each.

    .venv/bin/python benchmarks/peers.py [--rows 1000000] [--measures 20]

One run writes --rows 311 requests in our layout and the same rows in two peers'
layouts (other column names), loads all three into a fresh home, serves the home with
`citystat serve` on a local port (the two peers' "Socrata portals"), and times:
(a) baseline: `compute_measures` of the 20 measures on our own copy, in the warehouse;
(b) `refresh_peers` of both peers, each measure translated to SoQL and computed by the
    server, counting requests and the data rows fetched.
Prints (b)/(a). Exits 1 unless (b) takes under 60 s and fetches no data row (every
measure here is one SoQL can express).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from local_server import citystat, free_port, wait_for
from results import record

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 60.0
OURS = ["case_id", "category", "created_date", "closed_date", "cost"]
LAYOUTS = {
    "peer-a": ["SR NUMBER", "REQUEST TYPE", "CREATION DATE", "CLOSED DATE", "COST USD"],
    "peer-b": ["ticket", "service_type", "opened", "resolved", "amount"],
}
TYPES = ["integer", "string", "datetime", "datetime", "number"]
CATEGORIES = ["Pothole", "Trash", "Water leak", "Streetlight", "Graffiti", "Noise"]
GRAINS = ["month", "week", "quarter", "fiscal_year"]


def write_rows(folder: Path, rows: int) -> None:
    rng = np.random.default_rng(24)
    start = np.datetime64("2021-01-01T00:00:00")
    created = start + rng.integers(0, 4 * 365 * 86_400, rows).astype("timedelta64[s]")
    closed = created + rng.exponential(4 * 86_400, rows).astype("int64").astype("timedelta64[s]")
    open_ = rng.random(rows) < 0.08
    closed_text = np.where(open_, "", np.datetime_as_string(closed, unit="s"))
    columns = [
        pa.array(np.arange(1, rows + 1)),
        pa.array(rng.choice(CATEGORIES, rows)),
        pa.array(np.datetime_as_string(created, unit="s")),
        pa.array(closed_text),
        pa.array(np.round(rng.gamma(2, 60, rows), 2)),
    ]
    for name, header in [("ours", OURS), *LAYOUTS.items()]:
        pa_csv.write_csv(pa.table(columns, names=header), folder / f"{name}.csv")


def measures(count: int) -> list[dict]:
    """Return `count` specs SoQL can express: counts, sums, means, shares and rates."""
    specs = []
    for index in range(count):
        category = CATEGORIES[index % len(CATEGORIES)]
        grain = GRAINS[index % len(GRAINS)]
        base = {"dataset": "requests", "date": "created_date", "grain": grain}
        kind = index % 5
        if kind == 0:
            specs.append({**base, "aggregate": "count", "filter": f"category = '{category}'"})
        elif kind == 1:
            specs.append(
                {**base, "aggregate": "sum", "field": "cost", "filter": f"category != '{category}'"}
            )
        elif kind == 2:
            specs.append({**base, "aggregate": "mean", "field": "cost", "filter": "cost > 20"})
        elif kind == 3:
            specs.append(
                {
                    **base,
                    "aggregate": "share",
                    "condition": "closed_date is null",
                    "filter": f"category = '{category}'",
                }
            )
        else:
            specs.append(
                {
                    **base,
                    "aggregate": "rate_per_1000",
                    "filter": f"category in ('{category}', 'Noise')",
                }
            )
    return specs


def setup_script(folder: Path, specs: list[dict], url: str) -> str:
    schema = {"fields": [{"name": n, "type": t} for n, t in zip(OURS, TYPES, strict=True)]}
    layouts = {
        slug: {"fields": [{"name": n, "type": t} for n, t in zip(names, TYPES, strict=True)]}
        for slug, names in LAYOUTS.items()
    }
    return f"""
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.peers.register import add_peer
from citystat.plan.testing import add_measure
CityProfile.objects.create(name="Bench City", population=500000, fiscal_year_start_month=5)
ours = Dataset.objects.create(
    slug="requests", title="Requests", table_schema={schema!r}, is_public=True)
ingest(ours, {str(folder / "ours.csv")!r})
for slug, schema in {layouts!r}.items():
    ingest(Dataset.objects.create(slug=slug, title=slug, table_schema=schema, is_public=True),
           {str(folder)!r} + "/" + slug + ".csv")
for index, spec in enumerate({specs!r}):
    add_measure(f"m{{index}}", spec, first_fiscal_year=2021, last_fiscal_year=2025,
                is_current=True, title=f"M{{index}}")
for slug, names in {LAYOUTS!r}.items():
    add_peer(slug, "soda", {url!r}, dataset_id=slug, dataset="requests",
             column_map=dict(zip({OURS!r}, names)), population=400000, fiscal_year_start_month=7)
"""


TIMING = """
import json, time
from citystat.peers import remote
from citystat.peers.refresh import refresh_peers
from citystat.plan.compute.run import compute_measures
started = time.perf_counter()
report = compute_measures()
local = time.perf_counter() - started
assert not report.failed, report.failed
started = time.perf_counter()
results = refresh_peers()
seconds = time.perf_counter() - started
print(json.dumps({"local": local, "seconds": seconds, "requests": remote.COUNTER.requests,
    "rows": remote.COUNTER.rows, "failed": [r.failed for r in results if r.failed],
    "figures": sum(r.stored for r in results)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--measures", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citystat-peers-") as name:
        folder = Path(name)
        home = folder / "home"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        os.environ["CITYSTAT_SOURCE_ALLOW_HOSTS"] = "127.0.0.1"
        write_rows(folder, options.rows)
        citystat(home, ["migrate", "-v0"])
        citystat(home, ["shell", "-c", setup_script(folder, measures(options.measures), url)])
        env = {**os.environ, "CITYSTAT_HOME": str(home)}
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "citystat", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{url}/resource/peer-a.json?$limit=1")
            answer = citystat(home, ["shell", "-c", TIMING], capture_output=True, text=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    seconds, local = figures["seconds"], figures["local"]
    met = seconds < LIMIT_SECONDS and figures["rows"] == 0 and not figures["failed"]
    print(f"rows per peer:            {options.rows:,}")
    print(f"(a) compute here:         {local:8.2f} s  ({options.measures} measures, baseline)")
    print(f"(b) peers refresh:        {seconds:8.2f} s  (2 peers; {figures['figures']} figures)")
    print(f"(b)/(a):                  {seconds / local:8.2f}")
    print(f"requests sent:            {figures['requests']}")
    print(f"data rows fetched:        {figures['rows']}")
    if figures["failed"]:
        print(f"failed: {figures['failed']}")
    record(
        "peers refresh, 2 SODA peers × measures",
        seconds,
        "s",
        baseline=local,
        baseline_label="compute the same measures here",
        target=f"< {LIMIT_SECONDS:.0f} s",
        met=seconds < LIMIT_SECONDS,
    )
    record(
        "data rows fetched for SoQL measures",
        figures["rows"],
        "rows",
        target="0",
        met=figures["rows"] == 0,
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
