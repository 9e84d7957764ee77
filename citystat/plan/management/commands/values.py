import csv
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.lib.csv_safety import safe_cell
from citystat.plan.models import Measure
from citystat.plan.reporting import value_rows


class Command(BaseCommand):
    help = "Print one measure's values per period (and per breakdown with --by FIELD)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--by", default="", help="A breakdown field, such as council_district.")
        formats = parser.add_mutually_exclusive_group()
        formats.add_argument("--csv", action="store_true", help="CSV on stdout.")
        formats.add_argument("--json", action="store_true", help="One JSON array on stdout.")

    def handle(self, *args: object, **options: object) -> None:
        measure = Measure.objects.filter(slug=options["slug"]).first()
        if measure is None:
            raise CommandError(
                f"no measure {options['slug']!r}; `citystat measures` lists them.", returncode=2
            )
        by = str(options["by"])
        breakdowns = measure.spec.get("breakdowns", []) if measure.spec else []
        if by and by not in breakdowns:
            raise CommandError(
                f"{measure.slug} is not broken down by {by!r}; "
                f"its breakdowns: {', '.join(breakdowns) or 'none'}.",
                returncode=2,
            )
        rows = value_rows(measure, by)
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        columns = ["period", *([by] if by else []), "value", "numerator", "denominator", "partial"]
        if measure.spec.get("survey"):
            columns += ["ci_lower", "ci_upper", "ci_n"]
        columns.append("note")
        if options["csv"]:
            writer = csv.writer(self.stdout)
            writer.writerow(columns)
            for row in rows:
                # Escaped like every CSV the site writes: the file may be opened in Excel.
                writer.writerow([safe_cell(row[column]) for column in columns])
            return
        for row in rows:
            shown = "—" if row["value"] is None else f"{row['value']:,.4g}"
            if row.get("ci_lower") is not None:
                shown += f" (95% {row['ci_lower']:,.4g}–{row['ci_upper']:,.4g}, n={row['ci_n']})"
            elif row["note"]:
                shown += f" ({row['note']})"
            where = f"  {row[by]}" if by else ""
            partial = "  (partial)" if row["partial"] else ""
            self.stdout.write(f"{row['period']}{where}  {shown}{partial}")
