import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from citystat.catalog.summaries import DatasetSummary, all_summaries


def describe(summary: DatasetSummary) -> list[str]:
    version = summary["published_version"]
    published = (
        f"v{version}, {summary['row_count']:,} rows" if version is not None else "nothing published"
    )
    last = summary["last_load"]
    load = (
        f"last load v{last['version']} {last['status']} {last['finished_at'] or last['started_at']}"
        f", {last['rows_rejected']:,} rejected"
        if last
        else "never loaded"
    )
    flags = " STALE" if summary["stale"] else ""
    return [f"{summary['slug']}{flags}  {summary['title']}", f"  {published}; {load}"]


class Command(BaseCommand):
    help = "List every dataset with its published version, row count, last load and staleness."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON array.")

    def handle(self, *args: Any, **options: Any) -> None:
        summaries = all_summaries()
        if options["json"]:
            self.stdout.write(json.dumps(summaries, indent=2))
            return
        if not summaries:
            self.stdout.write("No datasets yet.")
        for summary in summaries:
            for line in describe(summary):
                self.stdout.write(line)
