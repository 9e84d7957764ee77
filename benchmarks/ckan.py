"""How fast the CKAN API answers a harvester's package_search over a catalog of 500 datasets.

    .venv/bin/python benchmarks/ckan.py
    .venv/bin/python benchmarks/ckan.py --datasets 500 --runs 20

Makes a throwaway city (its own CITYSTAT_HOME, SQLite) with --datasets public datasets,
each with a published version, spread over 10 departments, and a current plan whose
priority areas use a tenth of them; then times, in process through Django's whole
stack (median of --runs):

(a) baseline: `package_list` (every name, one query);
(b) `package_search?rows=100&start=0&sort=id asc`, the first page CKANHarvester asks for;
(c) the same with `fq=(metadata_modified:[... TO *])`, an incremental harvest;
(d) `package_search` with facets on organization, tags and res_format.

Target (issue #18): each search under 1 s with 500 datasets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import django
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from results import record

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0


def build(count: int) -> None:
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.catalog.models import Dataset, DatasetVersion  # noqa: PLC0415
    from citystat.city.models import Department  # noqa: PLC0415
    from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    departments = [
        Department.objects.create(code=f"dept-{n}", name=f"Department {n}") for n in range(10)
    ]
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]}
    Dataset.objects.bulk_create(
        Dataset(
            slug=f"dataset-{n:04d}", title=f"Dataset {n}", description=f"Rows about topic {n}.",
            department=departments[n % 10], tags=[f"tag-{n % 25}", "city"], is_public=True,
            table_schema=schema,
        )
        for n in range(count)
    )  # fmt: skip
    now = timezone.now()
    DatasetVersion.objects.bulk_create(
        DatasetVersion(
            dataset=dataset, number=1, status=DatasetVersion.Status.PUBLISHED, source="x",
            row_count=100, started_at=now, finished_at=now, published_at=now,
        )
        for dataset in Dataset.objects.all()
    )  # fmt: skip
    plan = Plan.objects.create(
        slug="p", title="P", first_fiscal_year=2025, last_fiscal_year=2027, is_current=True
    )
    for n, dataset in enumerate(Dataset.objects.all()[: count // 10]):
        area = PriorityArea.objects.get_or_create(
            plan=plan, slug=f"area-{n % 5}", defaults={"title": f"Area {n % 5}"}
        )[0]
        goal = Goal.objects.get_or_create(priority_area=area, slug="g", title="G")[0]
        objective = Objective.objects.get_or_create(goal=goal, title="O")[0]
        Measure.objects.create(
            objective=objective, slug=f"m-{n}", title="M", definition="d", unit="count",
            direction="higher", frequency="month", dataset=dataset,
        )  # fmt: skip


def median_seconds(client, url: str, runs: int) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="citystat-ckan-bench-"))
    os.environ.update(
        CITYSTAT_HOME=str(home), DJANGO_SETTINGS_MODULE="citystat.settings",
        CITYSTAT_API_RATE_ANON="1000000/minute", CITYSTAT_LOG_LEVEL="WARNING",
    )  # fmt: skip
    for name in ("DATABASE_URL", "CITYSTAT_WAREHOUSE", "CITYSTAT_CACHE_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))

    django.setup()

    build(args.datasets)
    client = Client(HTTP_HOST="127.0.0.1")
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    base = "/api/3/action/"
    first_page = {"rows": "100", "start": "0", "sort": "id asc"}
    since_fq = f"(metadata_modified:[{since}Z TO *])"
    facets = '["organization","tags","res_format"]'
    cases = [
        ("package_search, first page of 100, sort=id asc", first_page),
        ("package_search, incremental fq=metadata_modified", {**first_page, "fq": since_fq}),
        ("package_search with 3 facets", {"rows": "100", "facet.field": facets}),
    ]
    median_seconds(client, f"{base}package_list", 2)  # warm caches and imports
    baseline = median_seconds(client, f"{base}package_list", args.runs)
    print(f"(a) package_list, {args.datasets} datasets: {baseline * 1000:.1f} ms (median)")
    for letter, (label, query) in zip("bcd", cases, strict=True):
        url = f"{base}package_search?{urlencode(query, quote_via=quote)}"
        spent = median_seconds(client, url, args.runs)
        met = spent < TARGET_SECONDS
        print(
            f"({letter}) {label}: {spent * 1000:.1f} ms, {spent / baseline:.1f}× (a); "
            f"target < {TARGET_SECONDS:g} s: {'met' if met else 'MISSED'}"
        )
        record(
            f"CKAN {label}, {args.datasets} datasets",
            round(spent * 1000, 1),
            "ms",
            baseline=round(baseline * 1000, 1),
            baseline_label="package_list through the same stack",
            target=f"< {TARGET_SECONDS * 1000:g} ms",
            met=met,
        )


if __name__ == "__main__":
    main()
