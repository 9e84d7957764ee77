from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.catalog.models import Dataset
from citystat.catalog.versions import VersionError, rollback


class Command(BaseCommand):
    help = "Publish an earlier kept version of a dataset again (the one before, or --to N)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The dataset's slug.")
        parser.add_argument("--to", type=int, metavar="VERSION", help="The version to publish.")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        dataset = Dataset.objects.filter(slug=slug).first()
        if dataset is None:
            raise CommandError(f"no dataset {slug!r}; see `citystat datasets`.", returncode=2)
        try:
            version = rollback(dataset, options["to"])
        except VersionError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            f"{slug}: v{version.number} is published again ({version.row_count:,} rows)."
        )
