"""Time the measure builder's live preview against `citystat compute --measure`, same spec.

    .venv/bin/python benchmarks/builder.py /tmp/dd10m
    .venv/bin/python benchmarks/builder.py --rows 1000000

The warehouse and demo plan are loaded as benchmarks/compute.py loads them (under --home,
default /tmp/citystat-builder-bench; later runs reuse them). Then, in this one run:
(a) baseline: `citystat compute --measure SLUG` in its own process, as staff would run it
    for the measure (start-up, spec check, compute on the warehouse, values stored);
(b) the builder: the measure's spec posted to /staff/plan/builder/ through Django's test
    client as a performance officer, with the filter picker on a text field (so the
    distinct values are fetched too): the spec checked, the rows counted, the values
    computed and the pickers, table and chart rendered; nothing stored.
(b) runs --runs times (default 20); its p95 is the figure, limited to under 1 s at 10M rows
(issue #19). Exits 1 when the limit is missed at 10M rows or more.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compute import generated_data, setup
from django.test import Client
from results import record

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 1.0
LIMIT_FROM_ROWS = 10_000_000
MEASURE = "potholes-closed-within-7-days"  # a share with a filter and a breakdown


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def compute_once(home: Path) -> tuple[float, float]:
    """Run the command once; return its wall-clock and CPU seconds (its process's)."""
    environment = {**os.environ, "CITYSTAT_HOME": str(home), "PYTHONPATH": str(ROOT)}
    # The compute alone: benchmarks/pages.py times the pages rendered again after it.
    environment["CITYSTAT_WARM_PAGES"] = "off"
    before = children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "compute", "--measure", MEASURE],
        check=True,
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, children_cpu() - before


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def preview_times(runs: int) -> tuple[list[float], list[float]]:
    """Return each preview's wall-clock seconds and CPU seconds (this process's)."""
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from django.contrib.auth.models import User  # noqa: PLC0415

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.accounts.models import StaffProfile  # noqa: PLC0415
    from citystat.accounts.roles import grant_role, sync_roles  # noqa: PLC0415
    from citystat.plan.models import Measure  # noqa: PLC0415

    sync_roles()
    user, created = User.objects.get_or_create(username="builder-bench")
    if created:
        StaffProfile.objects.create(user=user)
        grant_role(user, "performance-staff")
    client = Client(SERVER_NAME="localhost")  # a host the settings allow outside tests
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    spec = Measure.objects.get(slug=MEASURE).spec
    data = {key: value for key, value in spec.items() if key != "breakdowns"}
    data |= {"breakdowns": spec.get("breakdowns", []), "filter_field": "type", "public": "on"}
    times, cpu = [], []
    for _ in range(runs):
        before = time.process_time()
        started = time.perf_counter()
        response = client.post("/staff/plan/builder/", data, HTTP_HX_REQUEST="true")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - before)
        page = response.content.decode()
        assert response.status_code == 200 and "plan-builder__matched" in page, page[:2000]
    return times, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, help="a `citystat demo-data` folder")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, default=Path("/tmp/citystat-builder-bench"))
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    data = arguments.data or generated_data(arguments.rows)
    setup(data, arguments.home)
    from citystat.catalog.models import Dataset  # noqa: PLC0415

    rows = Dataset.objects.get(slug="service-requests").latest_version.row_count
    compute_runs = [compute_once(arguments.home) for _ in range(3)]
    compute_times = [wall for wall, _cpu in compute_runs]
    preview, preview_cpu = preview_times(arguments.runs)
    baseline = statistics.median(compute_times)
    figure = p95(preview)
    limited = rows >= LIMIT_FROM_ROWS
    print(f"311 rows: {rows:,}")
    print(f"citystat compute --measure {MEASURE}: median {baseline:.2f} s of 3")
    print(f"builder preview: p95 {figure:.3f} s, median {statistics.median(preview):.3f} s")
    print(f"ratio: {figure / baseline:.2f} × citystat compute --measure")
    # On a shared machine the wall clock also measures the neighbours; CPU time much less.
    compute_cpu = statistics.median(cpu for _wall, cpu in compute_runs)
    print(
        f"CPU time: command median {compute_cpu:.2f} s, preview p95 {p95(preview_cpu):.3f} s, "
        f"median {statistics.median(preview_cpu):.3f} s; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    met = figure < LIMIT_SECONDS
    print(
        f"limit {LIMIT_SECONDS} s p95 at 10M rows: {'met' if met else 'missed'}"
        + ("" if limited else " (reported only below 10M rows)")
    )
    record(
        f"builder preview p95, {rows:,} 311 rows",
        figure,
        "s",
        baseline=baseline,
        baseline_label=f"citystat compute --measure {MEASURE}",
        target=f"< {LIMIT_SECONDS:g} s" if limited else "reported",
        met=met if limited else None,
    )
    return 1 if limited and not met else 0


if __name__ == "__main__":
    sys.exit(main())
