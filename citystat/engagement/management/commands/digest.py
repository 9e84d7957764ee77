from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from citystat.engagement.models import Subscription
from citystat.engagement.subscriptions import send_digest
from citystat.jobs.runs import JobAlreadyRunning, single_run


class Command(BaseCommand):
    help = "Email each subscriber the updates and meetings they have not been sent (cron-safe)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--immediate",
            action="store_true",
            help="send only to subscriptions that chose immediate delivery (run it every "
            "few minutes; the plain digest daily)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every node's timer runs this; the lock lets one of them send and the others skip.
        try:
            with single_run("digest"):
                self.digest(options["immediate"])
        except JobAlreadyRunning as busy:
            self.stdout.write(str(busy))

    def digest(self, immediate: bool) -> None:
        delivery = Subscription.Delivery.IMMEDIATE if immediate else None
        report = send_digest(delivery=delivery)
        self.stdout.write(f"Sent {report.messages} digest(s) with {report.items} item(s).")
        if report.skipped:
            self.stdout.write(f"Left {len(report.skipped)} to a digest run already sending them.")
        if report.failed:
            self.stderr.write(
                f"Mail server refused {len(report.failed)}; tried again after a wait: "
                + ", ".join(report.failed)
            )
        if report.paused:
            self.stderr.write(
                f"Paused {len(report.paused)} after repeated failures (staff see them in "
                "the workspace): " + ", ".join(report.paused)
            )
