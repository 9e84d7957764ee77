from pathlib import Path
from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from citystat.plan.documents import (
    PlanDocumentError,
    dump_plan,
    load_plan_file,
    plan_value_warnings,
)
from citystat.plan.health import plan_health
from citystat.plan.models import Measure, Plan


class Command(BaseCommand):
    help = "Import or export the whole plan as YAML, or list its gaps (plan health)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Check a plan file, then write it.")
        importing.add_argument("file", type=Path)
        importing.add_argument(
            "--reason", default="", help="Why targets change; kept in their history."
        )
        importing.add_argument(
            "--not-current", action="store_true", help="Keep the current plan current."
        )
        exporting = actions.add_parser("export", help="Write a plan to a YAML file ('-': stdout).")
        exporting.add_argument("file")
        exporting.add_argument("--plan", help="Plan slug (default: the current plan).")
        health = actions.add_parser("health", help="List every SMART gap and stale measure.")
        health.add_argument("--plan", help="Plan slug (default: the current plan).")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "import":
            try:
                plan = load_plan_file(
                    cast(Path, options["file"]),
                    make_current=not options["not_current"],
                    reason=str(options["reason"]),
                )
            except PlanDocumentError as error:
                raise CommandError(str(error), returncode=2) from None
            measures = sum(1 for _ in plan_measures(plan))
            self.stdout.write(f"Imported {plan.title}: {measures} measures.")
            for warning in plan_value_warnings(plan):
                self.stderr.write(f"warning: {warning}")
            return
        plan = chosen_plan(cast("str | None", options.get("plan")))
        if action == "export":
            text = dump_plan(plan)
            if options["file"] == "-":
                self.stdout.write(text, ending="")
            else:
                Path(str(options["file"])).write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {plan.title} to {options['file']}.")
            return
        gaps = plan_health(plan)
        for gap in gaps:
            self.stdout.write(f"{gap.element}: {gap.problem}")
        self.stdout.write(f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''} in {plan.title}.")


def chosen_plan(slug: str | None) -> Plan:
    plan = Plan.objects.filter(slug=slug).first() if slug else Plan.current()
    if plan is None:
        known = ", ".join(Plan.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(
            f"no plan {slug!r} (known: {known})"
            if slug
            else "there is no current plan yet; run citystat plan import FILE.",
            returncode=2,
        )
    return plan


def plan_measures(plan: Plan) -> QuerySet[Measure]:
    return Measure.objects.filter(objective__goal__priority_area__plan=plan)
