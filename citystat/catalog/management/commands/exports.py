from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from citystat.catalog.exports import describe, run_export_job
from citystat.jobs.runs import JobAlreadyRunning


class Command(BaseCommand):
    help = "Write the download files (CSV, JSON, Parquet, GeoJSON) that published versions lack."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="Only this dataset (default: every one).")

    def handle(self, *args: Any, slug: str | None = None, **options: Any) -> None:
        try:
            results = run_export_job(slug, lambda result: self.stdout.write(describe(result)))
        except JobAlreadyRunning as busy:
            # Another process is writing them: not a failure (the timer on another node).
            self.stdout.write(str(busy))
            return
        if not results:
            self.stdout.write("Every published public dataset has its download files.")
