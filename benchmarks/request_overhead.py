"""What every request and every SQL statement pay for the page cache and the content stamp.

    .venv/bin/python benchmarks/request_overhead.py --calls 200000

In one process, each against a baseline measured in the same run:
- a SELECT through a Django cursor with the content stamp's execute wrapper
  (plan/revision.py) against the same SELECT with no wrapper;
- the wrapper's own reading of a SELECT (`written_table`) against the write regex alone
  (what it ran on every statement before the first keyword was checked);
- the page cache's view name for a public GET (`page_cache.view_name`, remembered per
  path) against resolving the path (what it did on every request before).
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
from results import record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SELECT = (
    'SELECT "plan_measure"."id", "plan_measure"."slug", "plan_measure"."title" '
    'FROM "plan_measure" WHERE "plan_measure"."slug" = %s LIMIT 21'
)


def per_call_ns(action: Callable[[], object], calls: int) -> float:
    """Return the best of three runs of `calls` calls, in nanoseconds per call."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter_ns()
        for _ in range(calls):
            action()
        best = min(best, (time.perf_counter_ns() - started) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200_000, help="calls per figure")
    args = parser.parse_args()
    os.environ.setdefault("CITYSTAT_HOME", tempfile.mkdtemp(prefix="citystat-overhead-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    django.setup()
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from django.db import connection  # noqa: PLC0415
    from django.test import RequestFactory  # noqa: PLC0415

    from citystat.plan import revision  # noqa: PLC0415
    from citystat.public import page_cache  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS plan_measure (id integer, slug text, title text)"
        )
    statements = max(1, args.calls // 10)

    def select() -> None:
        with connection.cursor() as cursor:
            cursor.execute(SELECT, ["potholes"])

    connection.ensure_connection()
    assert revision._watch_writes in connection.execute_wrappers
    wrapped = per_call_ns(select, statements)
    connection.execute_wrappers.remove(revision._watch_writes)
    bare = per_call_ns(select, statements)
    connection.execute_wrappers.append(revision._watch_writes)

    reading = per_call_ns(lambda: revision.written_table(SELECT), args.calls)
    regex = per_call_ns(lambda: revision._WRITE.match(SELECT), args.calls)

    request = RequestFactory().get("/how-we-measure/")
    resolver = page_cache.get_resolver(None)
    remembered = per_call_ns(lambda: page_cache.view_name(request), args.calls)
    resolving = per_call_ns(lambda: resolver.resolve(request.path_info), args.calls // 10)

    rows = [
        ("SELECT with the content stamp's wrapper", wrapped, bare, "the same SELECT, no wrapper"),
        ("the wrapper reading a SELECT", reading, regex, "the write regex alone"),
        ("view name of a public GET", remembered, resolving, "resolving the path"),
    ]
    print(f"{'figure':42} {'ns/call':>10} {'baseline':>10}  ratio  baseline is")
    for figure, value, baseline, label in rows:
        print(f"{figure:42} {value:10.0f} {baseline:10.0f}  {value / baseline:5.2f}  {label}")
        record(figure, value, "ns", baseline=baseline, baseline_label=label)


if __name__ == "__main__":
    main()
