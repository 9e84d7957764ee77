from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from citystat.jobs.runs import JobAlreadyRunning, single_run
from citystat.meetings.remind import send_reminders
from citystat.plan.remind import send_reporting_reminders


class Command(BaseCommand):
    help = (
        "Email each follow-up owner a digest of their overdue and soon-due items, once a day, "
        "and each department's writers the narratives and values due, overdue or returned."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url",
            default=getattr(settings, "CITYSTAT_SITE_URL", "") or "http://127.0.0.1:8000",
            help="the public address links in the email start with, such as https://stat.example.gov",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every node's timer runs this; the lock lets one of them send and the others skip.
        try:
            with single_run("remind"):
                self.remind(options["site_url"].rstrip("/"))
        except JobAlreadyRunning as busy:
            self.stdout.write(str(busy))

    def remind(self, site_url: str) -> None:
        result = send_reminders(base_url=site_url)
        self.stdout.write(f"sent {len(result.sent)} digest(s): {', '.join(result.sent) or '-'}")
        if result.already_sent:
            self.stdout.write(f"already sent today: {', '.join(result.already_sent)}")
        if result.failed:
            self.stderr.write(f"not sent, tried again next run: {', '.join(result.failed)}")
        if result.no_address:
            self.stderr.write(f"owners with no email address: {', '.join(result.no_address)}")
        # The plan's reporting cycle reminds in the same run (citystat/plan/remind.py).
        reporting = send_reporting_reminders(base_url=site_url)
        sent = ", ".join(reporting.sent) or "-"
        self.stdout.write(f"sent {len(reporting.sent)} reporting reminder(s): {sent}")
        if reporting.failed:
            self.stderr.write(f"reporting reminders not sent: {', '.join(reporting.failed)}")
        if reporting.no_address:
            self.stderr.write(f"writers with no email address: {', '.join(reporting.no_address)}")
