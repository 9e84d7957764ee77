from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.lib.errors import CitystatError
from citystat.surveys.budget_load import load_budget


class Command(BaseCommand):
    help = "Load a budget file for the budget explorer, keeping only the rows --where selects."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        load = verbs.add_parser("load", help="Load a budget CSV as a new version.")
        load.add_argument("file", type=Path)
        load.add_argument(
            "--where",
            default="",
            metavar="FILTER",
            help="Keep only these rows, such as \"account_type in ('Personnel','Non-Personnel')\".",
        )
        load.add_argument("--dataset", default="budget", help="The budget dataset's slug.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            loaded = load_budget(
                Path(str(options["file"])), str(options["where"]), str(options["dataset"])
            )
        except CitystatError as error:
            raise CommandError(str(error), returncode=2) from None
        version = loaded.version
        kept = (
            f" ({loaded.rows_kept:,} of {loaded.rows_in_file:,} rows kept by --where)"
            if options["where"]
            else ""
        )
        self.stdout.write(
            f"{version.dataset.slug} v{version.number}: {version.rows_read:,} rows read"
            f"{kept}, {version.rows_rejected:,} rejected, {version.row_count:,} published."
        )
