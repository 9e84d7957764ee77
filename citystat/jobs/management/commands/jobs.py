from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.jobs import queue
from citystat.jobs.models import Job


def job_line(job: Job) -> str:
    """One line about a job: what, about what, how it ended."""
    about = f" ({job.subject})" if job.subject else ""
    when = f"{job.created_at:%Y-%m-%d %H:%M:%S} UTC"
    text = f"#{job.pk} {job.kind}{about}, queued {when}: {job.status}"
    if job.error:
        text += f": {job.error.splitlines()[0]}"
    return text


class Command(BaseCommand):
    help = "Run the queued jobs (recomputes after loads, immediate emails) or list recent jobs."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        # No action is `run`: the timer starts `citystat jobs` (deploy/systemd/citystat-jobs.timer).
        actions = parser.add_subparsers(dest="action")
        run = actions.add_parser(
            "run", help="Run every queued job, and any a restart cut short (cron-safe)."
        )
        run.add_argument("--kind", action="append", default=[], help="Only jobs of this kind.")
        run.add_argument(
            "--forever",
            action="store_true",
            help="Keep running, looking for new jobs every few seconds (a worker).",
        )
        listing = actions.add_parser("list", help="The most recent jobs and how they ended.")
        listing.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for job in Job.objects.all()[: max(options["limit"], 0)]:
                self.stdout.write(job_line(job))
            return
        kinds = options.get("kind") or None
        unknown = sorted(set(kinds or []) - set(queue.tasks))
        if unknown:
            raise CommandError(
                f"--kind {', '.join(unknown)}: no such job kind "
                f"(known: {', '.join(sorted(queue.tasks))}).",
                returncode=2,
            )
        forever = options.get("forever", False)
        while True:
            ran, busy = queue.run_all(kinds)
            for job in ran:
                self.stdout.write(job_line(job))
            for kind in busy:
                self.stdout.write(f"{kind}: another process is running these; it takes them.")
            if not forever:
                if not ran and not busy:
                    self.stdout.write("No job was waiting.")
                return
            time.sleep(5)
