"""Time the pushes a watched dataset's load sets off, against the load itself.

    .venv/bin/python benchmarks/pushes.py [--rows 10000] [--places 240] [--subscribers 5000]

In a fresh CITYSTAT_HOME (SQLite app database, DuckDB warehouse): a city of --places
neighborhoods in 6 council districts, a demolitions dataset loaded once (its first
version), a watch on it (new rows, by neighborhood and district, published at once) and
--subscribers confirmed subscriptions spread over the places, half immediate. Then a
second file with --rows new rows is loaded with the watch switched off: that load is the
baseline. Timed on their own, in the order the load's hook runs them: computing the
pushes for that version (the diff per place in the warehouse, and one update drafted and
published per place), the messages to the immediate subscribers, then the digest for
everyone else (both through Django's dummy mail backend, so rendering and the ledger
count but no SMTP server). Prints each against the load and exits 1 when computing the
pushes takes 10 s or more. The first warehouse query of the process (Ibis compiling,
DuckDB starting) is inside the pushes' time, as in a `citystat refresh` worker.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from results import record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
TARGET_SECONDS = 10.0
DISTRICTS = 6


def square(index: int) -> dict:
    x, y = -94.7 + (index % 20) * 0.01, 39.0 + (index // 20) * 0.01
    ring = [[x, y], [x, y + 0.01], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_city(folder: Path, places: int) -> Path:
    features = [
        {"type": "Feature", "properties": {"name": f"Neighborhood {i:03d}"}, "geometry": square(i)}
        for i in range(places)
    ]
    districts = [
        {"type": "Feature", "properties": {"district": str(d + 1)}, "geometry": square(d)}
        for d in range(DISTRICTS)
    ]
    for name, items in (("neighborhoods", features), ("districts", districts)):
        (folder / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": items})
        )
    (folder / "city.yaml").write_text(
        "name: Bench City\nstate: Missouri\ntime_zone: America/Chicago\nlanguages: [en]\n"
        'fiscal_year_start: "05-01"\nboundaries:\n'
        "  - {slug: council-districts, title: Council districts, file: districts.geojson,"
        " name_property: district}\n"
        "  - {slug: neighborhoods, title: Neighborhoods, file: neighborhoods.geojson,"
        " name_property: name}\n"
    )
    return folder / "city.yaml"


def write_rows(path: Path, fields: list[str], start: int, count: int, places: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for number in range(start, start + count):
            place = (number * 7919) % places
            writer.writerow(
                {
                    "demolition_id": number,
                    "parcel_id": f"P-{number}",
                    "street_address": f"{number} Main St",
                    "neighborhood": f"Neighborhood {place:03d}",
                    "council_district": place % DISTRICTS + 1,
                    "reason": "Vacant",
                    "status": "planned",
                    "planned_date": "2026-12-01",
                }
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--places", type=int, default=240)
    parser.add_argument("--subscribers", type=int, default=5_000)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="citystat-pushes-"))
    os.environ["CITYSTAT_HOME"] = str(folder)
    os.environ["CITYSTAT_EMAIL_URL"] = "console:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.catalog import hooks  # noqa: PLC0415
    from citystat.catalog.ingest import ingest  # noqa: PLC0415
    from citystat.catalog.models import Dataset  # noqa: PLC0415
    from citystat.city.profile import load_city_file  # noqa: PLC0415
    from citystat.demo.datasets import DEMOLITIONS_SCHEMA  # noqa: PLC0415
    from citystat.engagement.models import Subscription, Update, Watch  # noqa: PLC0415
    from citystat.engagement.pushes import push  # noqa: PLC0415
    from citystat.engagement.subscriptions import send_digest  # noqa: PLC0415

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("migrate", verbosity=0)
    load_city_file(write_city(folder, arguments.places))
    fields = [spec["name"] for spec in DEMOLITIONS_SCHEMA["fields"]]  # type: ignore[index]
    dataset = Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    first = ingest(dataset, write_rows(folder / "v1.csv", fields, 1, 1_000, arguments.places))
    watch = Watch(
        dataset=dataset,
        place_fields=["neighborhood", "council_district"],
        show_fields=["street_address", "reason", "planned_date"],
        publish_automatically=True,
    )
    watch.full_clean()
    watch.save()
    confirmed = timezone.now()
    Subscription.objects.bulk_create(
        Subscription(
            email=f"resident{i}@example.org",
            subject="neighborhood",
            subject_key=f"Neighborhood {i % arguments.places:03d}",
            delivery="immediate" if i % 2 else "digest",
            confirmed_at=confirmed,
        )
        for i in range(arguments.subscribers)
    )
    # Both files hold the first version's rows, so the second brings exactly --rows new ones.
    second_file = write_rows(folder / "v2.csv", fields, 1, 1_000 + arguments.rows, arguments.places)

    registered = list(hooks.version_published)
    hooks.version_published.clear()
    started = time.perf_counter()
    second = ingest(dataset, second_file)
    load_seconds = time.perf_counter() - started
    hooks.version_published.extend(registered)

    started = time.perf_counter()
    report = push(watch, second, first.number)
    push_seconds = time.perf_counter() - started
    started = time.perf_counter()
    immediate = send_digest(delivery=Subscription.Delivery.IMMEDIATE)
    immediate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    digest = send_digest()
    digest_seconds = time.perf_counter() - started

    updates = Update.objects.count()
    print(f"{arguments.rows:,} new rows over {arguments.places} neighborhoods, "
          f"{arguments.subscribers:,} subscribers")  # fmt: skip
    print(f"load (baseline):            {load_seconds:7.2f} s")
    print(f"pushes computed (diff, {updates} updates): {push_seconds:7.2f} s "
          f"= {push_seconds / load_seconds:.2f} × the load")  # fmt: skip
    print(f"immediate mail ({immediate.messages:,} messages): {immediate_seconds:7.2f} s "
          f"= {immediate_seconds / load_seconds:.2f} × the load")  # fmt: skip
    print(f"digest ({digest.messages:,} messages): {digest_seconds:7.2f} s "
          f"= {digest_seconds / load_seconds:.2f} × the load")  # fmt: skip
    print(report.summary())
    met = push_seconds < TARGET_SECONDS
    record(
        "pushes for a 10,000-row load",
        push_seconds,
        "s",
        baseline=load_seconds,
        baseline_label="the load itself",
        target="< 10 s",
        met=met,
    )
    record(
        "immediate mail after a 10,000-row load",
        immediate_seconds,
        "s",
        baseline=load_seconds,
        baseline_label="the load itself",
    )
    record(
        "digest after a 10,000-row load",
        digest_seconds,
        "s",
        baseline=load_seconds,
        baseline_label="the load itself",
    )
    shutil.rmtree(folder, ignore_errors=True)
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
