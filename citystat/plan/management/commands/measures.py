import json

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from citystat.plan import display
from citystat.plan.reporting import measure_rows


class Command(BaseCommand):
    help = "List every measure with its latest period, value, target and status."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="One JSON array on stdout.")

    def handle(self, *args: object, **options: object) -> None:
        rows = measure_rows()
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        table = Table(box=None)
        for column in ("measure", "period", "value", "target", "status"):
            table.add_column(column, no_wrap=column != "measure")
        for row in rows:
            table.add_row(
                row["slug"],
                row["period"] or "—",
                # As every page and export shows them (citystat/plan/display.py).
                display.value_text(row["value"], row["unit"]),
                display.target_text(row["target"], row["unit"]),
                row["status_label"],
            )
        # Django's OutputWrapper is a TextIOBase, which rich's IO[str] parameter does not
        # name; rich only calls write() and flush() on it.
        Console(file=self.stdout, width=120).print(table)  # type: ignore[arg-type]
