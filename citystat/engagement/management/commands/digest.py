from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from citystat.engagement.subscriptions import send_digest


class Command(BaseCommand):
    help = "Email each subscriber the updates and meetings they have not been sent (cron-safe)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_digest()
        self.stdout.write(f"Sent {report.messages} digest(s) with {report.items} item(s).")
        if report.skipped:
            self.stdout.write(f"Left {len(report.skipped)} to a digest run already sending them.")
