import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.lib.errors import CitystatError
from citystat.surveys.definition import load_definition_file
from citystat.surveys.documents import export_survey, import_survey
from citystat.surveys.employee import engagement
from citystat.surveys.files import publish_survey_file
from citystat.surveys.focus import focus_test
from citystat.surveys.models import Survey
from citystat.surveys.ratings import priorities, waves


class Command(BaseCommand):
    help = "Import or export survey definitions and print ratings, priorities and engagement."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        load = verbs.add_parser("import", help="Create or replace a survey from a YAML file.")
        load.add_argument("file", type=Path)
        visibility = load.add_mutually_exclusive_group()
        visibility.add_argument("--public", dest="public", action="store_true", default=None)
        visibility.add_argument("--internal", dest="public", action="store_false")
        publish = verbs.add_parser(
            "load", help="Publish a respondent file for a definition, or list its problems."
        )
        publish.add_argument("definition", type=Path, help="The survey definition (YAML).")
        publish.add_argument("file", type=Path, help="The respondent file (CSV).")
        publish.add_argument(
            "--replace-wave",
            metavar="WAVE",
            help="Replace this published wave with the file (which holds only it).",
        )
        save = verbs.add_parser("export", help="Write a survey's definition as YAML.")
        save.add_argument("slug")
        save.add_argument("file", type=Path)
        report = verbs.add_parser("report", help="Print priorities or engagement for a survey.")
        report.add_argument("slug")
        report.add_argument("--wave")
        report.add_argument("--by", metavar="COLUMN")
        report.add_argument("--json", dest="as_json", action="store_true")
        focus = verbs.add_parser("focus", help="Test whether the focus services improved more.")
        focus.add_argument("slug")
        focus.add_argument("--earlier", required=True)
        focus.add_argument("--later", required=True)

    def handle(self, *args, verb: str, **options) -> None:
        try:
            getattr(self, f"do_{verb}")(**options)
        except (CitystatError, ValueError) as error:
            raise CommandError(str(error), returncode=2) from None

    def survey(self, slug: str) -> Survey:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            known = ", ".join(Survey.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"no survey {slug!r} (known: {known}).", returncode=2)
        return survey

    def do_import(self, file: Path, public: bool | None, **options) -> None:
        survey = import_survey(file, is_public=public)
        self.stdout.write(f"Survey {survey.slug} imported ({len(survey.layout().items)} items).")

    def do_load(self, definition: Path, file: Path, replace_wave: str | None, **options) -> None:
        layout = load_definition_file(definition)
        version = publish_survey_file(layout, file, replace_wave=replace_wave)
        self.stdout.write(
            f"{version.dataset.slug} v{version.number}: "
            f"{version.row_count:,} respondents published."
        )
        self.stdout.write(f"Waves, oldest first: {', '.join(waves(layout))}.")

    def do_export(self, slug: str, file: Path, **options) -> None:
        file.write_text(export_survey(self.survey(slug)), encoding="utf-8")
        self.stdout.write(f"Survey {slug} written to {file}.")

    def do_report(
        self, slug: str, wave: str | None, by: str | None, as_json: bool, **options
    ) -> None:
        survey = self.survey(slug)
        layout = survey.layout()
        if survey.kind == Survey.Kind.EMPLOYEE:
            rows = [asdict(row) for row in engagement(layout, wave)]
        else:
            rows = [
                {"wave": key[0], "group": key[1], **asdict(priority)}
                for key, ranked in priorities(layout, by=by, wave=wave).items()
                for priority in ranked
            ]
        if as_json:
            self.stdout.write(dumps(rows))
            return
        for row in rows:
            self.stdout.write(format_row(row))

    def do_focus(self, slug: str, earlier: str, later: str, **options) -> None:
        survey = self.survey(slug)
        items = sorted(set(survey.links.filter(is_focus=True).values_list("item", flat=True)))
        if not items:
            raise CommandError(
                f"survey {slug!r} marks no focus items; add links with 'focus: true'.", returncode=2
            )
        result = focus_test(survey.layout(), items, earlier, later)
        self.stdout.write(result.verdict)
        self.stdout.write(
            f"difference {result.difference * 100:+.1f} points, "
            f"95% interval {result.interval.low * 100:+.1f} to {result.interval.high * 100:+.1f}"
        )


def dumps(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, default=lambda value: asdict(value))


def format_row(row: dict[str, Any]) -> str:
    if "engaged" in row:
        engaged = "suppressed" if row["engaged"] is None else f"{row['engaged'] * 100:.0f}% engaged"
        return f"{row['wave']}  {row['department']:<40} n={row['respondents']:<5} {engaged}"
    group = f" [{row['group']}]" if row["group"] else ""
    return (
        f"{row['wave']}{group}  #{row['rank']:<2} {row['label']:<60} "
        f"I-S {row['rating']:.3f} ({row['band']}, {row['quadrant']})"
    )
