from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.demo.generator import write_demo_data
from citystat.lib.errors import CitystatError


class Command(BaseCommand):
    help = (
        "Write a realistic, seeded demo city's raw data files "
        "(311, budget, surveys, staffing, demolitions, boundaries)."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="Folder.")
        parser.add_argument("--rows", type=int, default=200_000, metavar="N", help="311 rows.")
        parser.add_argument("--seed", type=int, default=2024, metavar="S", help="Random seed.")

    def handle(self, *args, **options) -> None:
        try:
            counts = write_demo_data(
                options["out"],
                rows=options["rows"],
                seed=options["seed"],
                progress=options["verbosity"] > 0,
            )
        except CitystatError as error:
            raise CommandError(str(error), returncode=2) from None
        written = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        self.stdout.write(f"Wrote {options['out']}: {written}.")
