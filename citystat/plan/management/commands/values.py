import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.lib.csv_safety import safe_cell
from citystat.plan import display
from citystat.plan.manual import ManualValueError, import_values_table
from citystat.plan.models import Measure
from citystat.plan.reporting import value_rows
from citystat.plan.value_records import PUBLISHED_FIELDS


class Command(BaseCommand):
    help = (
        "Print one measure's values per period (and per breakdown with --by FIELD), or "
        "`values import FILE.csv` to store typed-in values of any number of measures."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        # `values SLUG` prints; `values import FILE` imports. A positional pair keeps the
        # printing form exactly as it was (argparse subcommands would swallow any slug).
        parser.add_argument("slug", help="A measure's slug, or the word import.")
        parser.add_argument(
            "file", nargs="?", type=Path, help="With import: a CSV of measure,period,value."
        )
        parser.add_argument("--by", default="", help="A breakdown field, such as council_district.")
        formats = parser.add_mutually_exclusive_group()
        formats.add_argument("--csv", action="store_true", help="CSV on stdout.")
        formats.add_argument("--json", action="store_true", help="One JSON array on stdout.")
        parser.add_argument(
            "--source-note",
            default="",
            help="With import: where the values come from, for lines without a source_note.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["slug"] == "import":
            self.import_file(options["file"], str(options["source_note"]))
            return
        if options["file"] is not None:
            raise CommandError(
                f"unexpected {str(options['file'])!r}: print with `citystat values SLUG`, "
                "import with `citystat values import FILE.csv`.",
                returncode=2,
            )
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
        if options["csv"]:
            writer = csv.writer(self.stdout)
            writer.writerow(PUBLISHED_FIELDS)
            for row in rows:
                # Escaped like every CSV the site writes: the file may be opened in Excel.
                writer.writerow([safe_cell(row[column]) for column in PUBLISHED_FIELDS])
            return
        for row in rows:
            # As every page and export shows them (citystat/plan/display.py).
            shown = display.value_text(row["value"], measure.unit)
            if row["ci_lower"] is not None:
                ci = display.interval(row["ci_lower"], row["ci_upper"], measure.unit)
                shown += f" (95% {ci}, n={row['ci_n']})"
            elif row["source_note"]:
                shown += f" ({row['source_note']})"
            where = f"  {row['breakdown_value']}" if by else ""
            partial = "  (partial)" if row["is_partial"] else ""
            self.stdout.write(f"{row['period']}{where}  {shown}{partial}")

    def import_file(self, path: object, default_note: str) -> None:
        if not isinstance(path, Path):
            raise CommandError(
                "name the file: citystat values import FILE.csv (columns "
                "measure,period,value[,source_note]).",
                returncode=2,
            )
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}", returncode=2) from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text.", returncode=2) from None
        try:
            imported = import_values_table(text, default_note.strip())
        except ManualValueError as error:
            count = len(error.problems)
            raise CommandError(
                f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was saved.\n  "
                + "\n  ".join(error.problems),
                returncode=2,
            ) from None
        measures = len(imported.measures)
        self.stdout.write(
            f"{path}: {imported.saved:,} value{'s' if imported.saved != 1 else ''} saved for "
            f"{measures:,} measure{'s' if measures != 1 else ''}."
        )
        for warning in imported.warnings:
            self.stderr.write(f"warning: {warning}")
