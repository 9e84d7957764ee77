"""Time the council exports of a 12-measure priority area against its measure pages.

    .venv/bin/python benchmarks/exports.py
    .venv/bin/python benchmarks/exports.py --measures 12 --months 36 --runs 3

Builds, in a throwaway CITYSTAT_HOME (SQLite), one priority area with --measures monthly
measures of --months values each (three goals), then times in this one process:
(a) baseline: rendering the same measures' public pages, one after the other, each with
    an empty cache (every page draws what it shows);
(b) the deck (python-pptx, a chart per measure), with an empty chart cache (the first
    export of the area: target under 10 s) and with the charts already drawn;
(c) the workbook (openpyxl);
(d) the annual report PDF (WeasyPrint), with an empty chart cache.
Staff exports are timed: they are made on each request, never served from a kept copy.
The best of --runs counts for each. Prints seconds and each ratio to (a). On a shared,
loaded machine the seconds move with the load; the ratios move less.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from results import record

ROOT = Path(__file__).resolve().parents[1]
DECK_TARGET_SECONDS = 10.0


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def build(measure_count: int, months: int) -> list[str]:
    """Create the plan, area, goals, measures, targets and values; return measure slugs."""
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.

    from citystat.city.models import CityProfile  # noqa: PLC0415
    from citystat.plan.testing import build_history_plan  # noqa: PLC0415

    CityProfile.objects.create(name="Bench City", languages=["en"])
    built = build_history_plan(
        measures=measure_count,
        months=months,
        goals=3,
        last_fiscal_year=2035,
        today=timezone.localdate(),
    )
    slugs = list(built.measures)
    return slugs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=12)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="citystat-exports-bench-"))
    os.environ["CITYSTAT_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    sys.path.insert(0, str(ROOT))

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.plan import revision  # noqa: PLC0415
    from citystat.reports.exports import make_export  # noqa: PLC0415

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    slugs = build(options.measures, options.months)
    client = Client(HTTP_HOST="127.0.0.1")

    def pages() -> None:
        # Each page is drawn anew: the shared cache and the process's own copies emptied.
        cache.clear()
        revision.forget_local()
        for slug in slugs:
            response = client.get(f"/measures/{slug}/")
            assert response.status_code == 200, (slug, response.status_code)

    def export(fmt: str, cold: bool) -> Callable[[], object]:
        def run() -> bytes:
            if cold:
                cache.clear()
            return make_export("area", "infrastructure", fmt, audience="staff").content

        return run

    pages()  # import everything once, outside the timings
    export("pdf", cold=True)()
    baseline = best_of(options.runs, pages)
    timings = [
        ("(b) deck, cold chart cache  ", "deck made, cold chart cache", export("pptx", True)),
        ("(b) deck, warm chart cache  ", "deck made, warm chart cache", export("pptx", False)),
        ("(c) workbook                ", "workbook made", export("xlsx", False)),
        ("(d) annual report PDF, cold ", "annual PDF, cold chart cache", export("pdf", True)),
    ]  # fmt: skip
    print(f"{options.measures} measures × {options.months} months, best of {options.runs}")
    print("(the machine may be shared and loaded: read the ratios before the seconds)")
    print(f"(a) the {len(slugs)} measure pages (baseline)  {baseline:8.3f} s")
    size_label = f"{options.measures} measures × {options.months} months"
    for label, figure, action in timings:
        seconds = best_of(options.runs, action)
        print(f"{label}          {seconds:8.3f} s   {seconds / baseline:6.2f} × (a)")
        is_deck = figure.startswith("deck made, cold")
        record(
            f"council export: {figure} ({size_label})",
            seconds,
            "s",
            baseline=baseline,
            baseline_label=f"the same {len(slugs)} measure pages rendered",
            target=f"< {DECK_TARGET_SECONDS:g} s" if is_deck else "",
            met=seconds < DECK_TARGET_SECONDS if is_deck else None,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
