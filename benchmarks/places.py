"""Time the neighborhood, district, search and "how we measure" pages on a built city.

    CITYSTAT_HOME=/tmp/city .venv/bin/citystat demo --rows 1000000 --no-serve
    CITYSTAT_HOME=/tmp/city .venv/bin/python benchmarks/places.py --requests 200

In one process, through Django's full middleware stack (no network): each page is fetched
once cold (its first render fills the caches, as on a live site), then --requests times
warm; the baseline is the site's stylesheet served by WhiteNoise through the same stack in
the same run. Prints the cold time, warm p50 and p95 and requests per second per page,
and each page's throughput as a share of the baseline's.

Then the place statistics alone, cold (cache emptied before each run): a neighborhood's
and a district's 311 figures and demolitions as the pages compute them (Ibis through the
engine session, public/place_stats.py), against hand-written DuckDB SQL of the same
aggregates over the same files in the same run (--repeat runs each, the median kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import django
from django.core.cache import cache
from django.test import Client
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
    parser.add_argument("--repeat", type=int, default=5, help="cold place statistics runs")
    arguments = parser.parse_args()

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.city.places import places  # noqa: PLC0415

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
    place_statistics(neighborhoods[len(neighborhoods) // 2], districts[0], arguments.repeat)


# The same aggregates as public/place_stats.py, written by hand for DuckDB: one pass over
# the year for the area's and the city's figures by type and in all, then the districts.
HAND_REQUESTS = """
    with bounds as (select max(created_date)::date as last_day from {relation}),
    recent as (
        select type::varchar as request_type, days_to_close::double as days,
               closed_date is null as still_open,
               coalesce(list_contains(?, {area}::varchar), false) as in_area,
               council_district::varchar as district
        from {relation}, bounds where created_date::date > last_day - 365
    )
    select grouping(request_type), request_type,
           count(*) filter (where in_area), count(*) filter (where in_area and still_open),
           median(days) filter (where in_area), count(*), median(days)
    from recent group by grouping sets ((request_type), ())
"""
HAND_DISTRICTS = """
    select council_district::varchar, count(*) from {relation},
        (select max(created_date)::date as last_day from {relation}) bounds
    where list_contains(?, {area}::varchar) and council_district is not null
      and created_date::date > last_day - 365
    group by 1 order by 2 desc, 1
"""
HAND_DEMOLITIONS = [
    "select lower(status), count(*) from {relation} where list_contains(?, {area}::varchar) "
    "group by 1",
    "select year(completed_date), count(*) from {relation} where list_contains(?, "
    "{area}::varchar) and lower(status) = 'completed' and completed_date is not null "
    "group by 1 order by 1 desc limit 6",
    "select reason, count(*) from {relation} where list_contains(?, {area}::varchar) "
    "and reason is not null group by 1 order by 2 desc, 1",
    "select planned_date, reason from {relation} where list_contains(?, {area}::varchar) "
    "and lower(status) = 'planned' order by planned_date nulls last limit 20",
]


def place_statistics(neighborhood, district, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """Print cold place statistics through the engine against hand-written DuckDB SQL."""
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.catalog import warehouse  # noqa: PLC0415
    from citystat.catalog.warehouse import quote_identifier, table_name  # noqa: PLC0415
    from citystat.public import place_stats  # noqa: PLC0415

    today = dt.date.today()
    requests = place_stats.requests_dataset()
    demolitions = place_stats.demolitions_dataset()
    if requests is None or demolitions is None:
        raise SystemExit("the city publishes no 311 or demolitions dataset to time")
    rows = (requests.latest_version.row_count if requests.latest_version else 0) or 0

    def engine(field: str, place) -> None:  # type: ignore[no-untyped-def]
        cache.clear()
        place_stats.area_requests(field, place.values)
        place_stats.area_demolitions(field, place.values, today)

    def hand(field: str, place) -> None:  # type: ignore[no-untyped-def]
        values = place_stats.area_values(place.values)
        area = quote_identifier(field)
        with warehouse._connect() as connection:
            relation = table_name(requests.slug)
            connection.execute(f"select max(created_date)::date from {relation}").fetchall()
            connection.execute(
                HAND_REQUESTS.format(relation=relation, area=area), [values]
            ).fetchall()
            if field == "neighborhood":
                connection.execute(
                    HAND_DISTRICTS.format(relation=relation, area=area), [values]
                ).fetchall()
            relation = table_name(demolitions.slug)
            for sql in HAND_DEMOLITIONS:
                connection.execute(sql.format(relation=relation, area=area), [values]).fetchall()

    def median_seconds(run, field: str, place) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(field, place)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    first = time.perf_counter()
    engine("neighborhood", neighborhood)  # the process's first: Ibis loads and compiles
    first = time.perf_counter() - first
    print(f"\nplace statistics, cold, over {rows:,} 311 rows (median of {repeat} runs)")
    print(f"{'area':24} {'engine ms':>10} {'hand SQL ms':>12} {'ratio':>7}")
    for field, place in [("neighborhood", neighborhood), ("council_district", district)]:
        hand_seconds = median_seconds(hand, field, place)
        engine_seconds = median_seconds(engine, field, place)
        label = f"{field} {place.name}"[:24]
        print(
            f"{label:24} {engine_seconds * 1000:10.1f} {hand_seconds * 1000:12.1f} "
            f"{engine_seconds / hand_seconds:7.2f}"
        )
        record(
            f"{field.replace('_', ' ')} place statistics, cold, {rows:,} rows",
            engine_seconds * 1000,
            "ms",
            baseline=hand_seconds * 1000,
            baseline_label="hand-written DuckDB SQL of the same aggregates",
        )
    print(f"(the process's first run, loading Ibis and compiling: {first * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
