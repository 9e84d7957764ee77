"""Where each benchmark hands its figures to `make bench` (benchmarks/run_all.py).

A script calls `record()` for each figure it prints. Run by hand, `record()` does nothing
(the script's own output is the report); under `make bench` it appends one JSON line to
the file named by CITYSTAT_BENCH_RESULTS, which run_all.py turns into RESULTS.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS_VARIABLE = "CITYSTAT_BENCH_RESULTS"


def record(
    figure: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    baseline_label: str = "",
    target: str = "",
    met: bool | None = None,
) -> None:
    """Hand one figure to `make bench`.

    `baseline` is the same quantity measured for the reference named by `baseline_label`
    in the same run (the ratio is value / baseline); `target` is the figure the issue
    asks for, in words, and `met` whether this run reached it.
    """
    destination = os.environ.get(RESULTS_VARIABLE)
    if not destination:
        return
    line = {
        "script": Path(os.environ.get("CITYSTAT_BENCH_SCRIPT", "")).stem or None,
        "figure": figure,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "target": target,
        "met": met,
    }
    with open(destination, "a", encoding="utf-8") as results:
        results.write(json.dumps(line) + "\n")
