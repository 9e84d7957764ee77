"""Time every public page type in process, with the whole-page cache off and on.

    CITYSTAT_HOME=/tmp/city10m .venv/bin/python benchmarks/page_cache.py --requests 200

In one process, through Django's full middleware stack (no network), as an anonymous
reader: each page type of benchmarks/pages.py is fetched once (its first render fills
the caches), then --requests times warm, first with CITYSTAT_PAGE_CACHE_SECONDS=0 (the
page cache off: every request renders the page around its cached fragments), then with
the page cache on. The site's stylesheet, served by WhiteNoise through the same stack in
the same run, is the baseline. Prints mean ms per request, SQL queries per request and
the speed-up per page type.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from pages import pick_pages
from places import timed
from results import record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")


def mean_ms(client, url: str, requests: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return (mean ms per warm request, SQL queries per request) for `url`."""
    timed(client, url)  # the first render fills the caches
    with CaptureQueriesContext(connection) as queries:
        elapsed = sum(timed(client, url) for _ in range(requests))
    return elapsed / requests * 1000, len(queries) / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="warm requests per page")
    arguments = parser.parse_args()
    home = Path(os.environ.get("CITYSTAT_HOME", ""))
    if not str(home) or not home.is_dir():
        raise SystemExit("set CITYSTAT_HOME to a built city (citystat demo --no-serve)")
    paths = pick_pages(home, None)

    django.setup()

    client = Client(HTTP_HOST="127.0.0.1")
    static_ms, _ = mean_ms(client, "/static/css/citystat.css", arguments.requests)
    print(f"stylesheet (baseline): {static_ms:.2f} ms a request")
    print(f"{'page':18} {'off ms':>8} {'queries':>8} {'on ms':>8} {'queries':>8} {'speed-up':>9}")
    for name, url in paths.items():
        with override_settings(CITYSTAT_PAGE_CACHE_SECONDS=0):
            off_ms, off_queries = mean_ms(client, url, arguments.requests)
        on_ms, on_queries = mean_ms(client, url, arguments.requests)
        print(
            f"{name:18} {off_ms:8.2f} {off_queries:8.1f} {on_ms:8.2f} {on_queries:8.1f} "
            f"{off_ms / on_ms:8.1f}x"
        )
        record(
            f"{name} warm, in process, page cache on",
            on_ms,
            "ms",
            baseline=off_ms,
            baseline_label="page cache off, same run",
        )
        record(
            f"{name} warm, in process, vs a static file",
            on_ms,
            "ms",
            baseline=static_ms,
            baseline_label="stylesheet through the same stack",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
