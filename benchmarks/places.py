"""Time the neighborhood, district, search and "how we measure" pages on a built city.

    CITYSTAT_HOME=/tmp/city .venv/bin/citystat demo --rows 1000000 --no-serve
    CITYSTAT_HOME=/tmp/city .venv/bin/python benchmarks/places.py --requests 200

In one process, through Django's full middleware stack (no network): each page is fetched
once cold (its first render fills the caches, as on a live site), then --requests times
warm; the baseline is the site's stylesheet served by WhiteNoise through the same stack in
the same run. Prints the cold time, warm p50 and p95 and requests per second per page,
and each page's throughput as a share of the baseline's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from results import record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")


def timed(client, url: str) -> float:  # type: ignore[no-untyped-def]
    """Return the seconds to answer `url` and read the whole body."""
    started = time.perf_counter()
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        _ = response.content
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="warm requests per page")
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from citystat.city.places import places

    neighborhoods, districts = places("neighborhood"), places("district")
    if not neighborhoods or not districts:
        raise SystemExit("no neighborhoods or districts: build a city first (citystat demo)")
    pages = {
        "stylesheet (baseline)": "/static/css/citystat.css",
        "neighborhood list": "/neighborhoods/",
        "neighborhood page": neighborhoods[len(neighborhoods) // 2].get_absolute_url(),
        "district page": districts[0].get_absolute_url(),
        "neighborhood feed": neighborhoods[0].get_absolute_url() + "feed.atom",
        "search": "/search/?q=trash",
        "how we measure": "/how-we-measure/",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    print(
        f"{'page':24} {'cold ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'vs baseline':>12}"
    )
    baseline = None
    for name, url in pages.items():
        cold = timed(client, url)
        warm = sorted(timed(client, url) for _ in range(arguments.requests))
        per_second = len(warm) / sum(warm)
        baseline = baseline or per_second
        p95 = warm[int(len(warm) * 0.95) - 1]
        print(
            f"{name:24} {cold * 1000:9.1f} {statistics.median(warm) * 1000:8.2f} "
            f"{p95 * 1000:8.2f} {per_second:8.0f} {per_second / baseline:12.1%}"
        )
        if url != pages["stylesheet (baseline)"]:
            record(
                f"{name} throughput, in process",
                per_second,
                "req/s",
                baseline=baseline,
                baseline_label="stylesheet through the same stack",
            )


if __name__ == "__main__":
    main()
