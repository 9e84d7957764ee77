from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from citystat.engagement.subscriptions import send_digest
from citystat.jobs.runs import JobAlreadyRunning, single_run


class Command(BaseCommand):
    help = "Email each subscriber the updates and meetings they have not been sent (cron-safe)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        # Every node's timer runs this; the lock lets one of them send and the others skip.
        try:
            with single_run("digest"):
                self.digest()
        except JobAlreadyRunning as busy:
            self.stdout.write(str(busy))

    def digest(self) -> None:
        report = send_digest()
        self.stdout.write(f"Sent {report.messages} digest(s) with {report.items} item(s).")
        if report.skipped:
            self.stdout.write(f"Left {len(report.skipped)} to a digest run already sending them.")
