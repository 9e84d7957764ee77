import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.accounts.audit import AuditError, anchor_head
from citystat.accounts.audit_keys import AuditKeyError
from citystat.catalog.exports import describe, run_export_job
from citystat.catalog.refresh import RefreshResult, refresh_due, run_loop
from citystat.jobs.runs import JobAlreadyRunning, single_run

logger = logging.getLogger("citystat.catalog.refresh")


class Command(BaseCommand):
    help = "Reload every dataset whose refresh schedule is due; --loop keeps doing so."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run as a long-lived worker.")
        parser.add_argument(
            "--every",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="With --loop, how long to wait between checks (default 60).",
        )

    def report(self, result: RefreshResult) -> None:
        when = result.next_refresh_at.isoformat() if result.next_refresh_at else "not scheduled"
        outcome = "ok" if result.ok else "FAILED"
        self.stdout.write(f"{result.slug}: {outcome}: {result.message} (next: {when})")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"]:
            # Every node may run a loop; each round goes to whichever takes the lock first.
            while True:
                try:
                    with single_run("refresh"):
                        run_loop(options["every"], self.report, rounds=1)
                        self.anchor_audit_log()
                except JobAlreadyRunning:
                    pass
                self.build_exports()
                time.sleep(options["every"])
        failure = None
        try:
            # The run is recorded as failed when any dataset failed (the error below).
            with single_run("refresh"):
                self.refresh_once()
        except JobAlreadyRunning as busy:
            self.stdout.write(str(busy))
        except CommandError as error:
            failure = error
        # The datasets that did load get their download files either way.
        self.build_exports()
        if failure is not None:
            raise failure

    def build_exports(self) -> None:
        """Write the download files of what was just published (or earlier, by staff)."""
        try:
            run_export_job(report=lambda result: self.stdout.write(describe(result)))
        except JobAlreadyRunning:
            pass  # another node is writing them
        except Exception:
            # Recorded on the job's run (citystat.jobs); the loop must outlive a full disk.
            logger.exception("the exports job failed; it runs again next round")

    def anchor_audit_log(self) -> None:
        """Write the audit chain's head outside the database (citystat/accounts/audit_anchors.py).

        A refresh runs every few minutes on every site, which makes it the anchor's clock;
        a failure here is reported but does not fail the refresh.
        """
        try:
            anchor_head()
        except (AuditError, AuditKeyError, OSError) as error:
            self.stderr.write(f"the audit log was not anchored: {error}")

    def refresh_once(self) -> None:
        results = refresh_due()
        self.anchor_audit_log()
        for result in results:
            self.report(result)
        if not results:
            self.stdout.write("Nothing is due.")
        failed = [result.slug for result in results if not result.ok]
        if failed:
            raise CommandError(
                f"{len(failed)} dataset(s) failed to refresh ({', '.join(failed)}); each will be "
                "retried with back-off. See the messages above and `citystat datasets`.",
                returncode=2,
            )
