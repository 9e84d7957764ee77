from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from citystat.city.models import CityProfile
from citystat.jobs.runs import JobAlreadyRunning, single_run
from citystat.lib.periods import Period, PeriodError, parse_period
from citystat.plan.compute.run import (
    compute_measures,
    measures_changed_since_computed,
)
from citystat.plan.models import Measure


class Command(BaseCommand):
    help = "Recompute measure values from the warehouse and store them per period."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--measure", action="append", default=[], help="Measure slug.")
        parser.add_argument(
            "--since",
            help="Keep values before this period: 2025-03-04, 2025-W10, 2025-03, 2025-Q1, "
            "FY2025 or 2025.",
        )
        parser.add_argument(
            "--changed",
            action="store_true",
            help="Only measures whose spec changed since they were computed, or never computed.",
        )

    def handle(self, *args: object, **options: object) -> None:
        slugs = cast(list[str], options["measure"])
        measures = Measure.objects.exclude(spec={})
        if options["changed"]:
            changed = measures_changed_since_computed()
            measures = measures.filter(pk__in=[measure.pk for measure in changed])
        if slugs:
            measures = measures.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(measures.values_list("slug", flat=True)))
            if missing:
                raise CommandError(
                    f"no computed measure {', '.join(map(repr, missing))}; "
                    "`citystat measures` lists them.",
                    returncode=2,
                )
        since = None
        if options["since"]:
            try:
                since = parse_period(str(options["since"]), CityProfile.current().fiscal_calendar)
            except PeriodError as error:
                raise CommandError(f"--since: {error}", returncode=2) from None
        try:
            # Two nodes' timers must not compute (and store) the same values at once; the
            # run is recorded as failed when any measure failed (the error below).
            with single_run("compute"):
                self.compute(measures, since)
        except JobAlreadyRunning as busy:
            self.stdout.write(str(busy))

    def compute(self, measures: QuerySet[Measure], since: Period | None) -> None:
        report = compute_measures(measures, since=since)
        for slug, problem in sorted(report.failed.items()):
            self.stderr.write(f"{slug}: {problem}")
        for slug, warning in sorted(report.warnings.items()):
            self.stderr.write(f"{slug}: warning: {warning}")
        stored = sum(report.computed.values())
        self.stdout.write(
            f"Computed {len(report.computed)} measures ({stored:,} values) "
            f"in {report.seconds:.1f} s; {len(report.failed)} failed."
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} measures failed.", returncode=1)
