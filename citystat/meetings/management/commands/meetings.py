from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.meetings.briefing import briefings_to_prepare, prepare_briefing
from citystat.meetings.cadence import CadenceError, schedule_series
from citystat.meetings.models import Meeting, MeetingSeries


class Command(BaseCommand):
    help = (
        "Generate each active series' next meetings (with drafted agendas), list meetings, "
        "or make the briefing books of published agendas that are missing or out of date."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["generate", "list", "briefings"])
        parser.add_argument(
            "--ahead", type=int, default=6, help="how many future meetings each series keeps"
        )
        parser.add_argument("--series", help="only this series (its slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        series_list = MeetingSeries.objects.filter(is_active=True)
        if options["series"]:
            series_list = series_list.filter(slug=options["series"])
            if not series_list:
                raise CommandError(f"no active series {options['series']!r}")
        if options["action"] == "list":
            for meeting in Meeting.objects.select_related("priority_area").order_by("starts_at"):
                area = meeting.priority_area.title if meeting.priority_area else "-"
                self.stdout.write(
                    f"{meeting.pk}\t{meeting.local_start:%Y-%m-%d %H:%M %Z}\t"
                    f"{meeting.status}\t{area}\t{meeting.title}"
                )
            return
        if options["action"] == "briefings":
            self.briefings()
            return
        if options["ahead"] < 1:
            raise CommandError("--ahead must be at least 1")
        for series in series_list:
            try:
                done = schedule_series(series, ahead=options["ahead"])
            except CadenceError as error:
                raise CommandError(f"{series.slug}: {error}") from error
            self.stdout.write(f"{series.slug}: {len(done.created)} new meeting(s)")

    def briefings(self) -> None:
        """Make every stale briefing book of a published agenda ahead, in each language."""

        base_url = getattr(settings, "CITYSTAT_SITE_URL", "") or "http://localhost/"
        for meeting in briefings_to_prepare():
            made = prepare_briefing(meeting.pk, base_url)
            languages = ", ".join(made) if made else "up to date"
            self.stdout.write(f"{meeting.pk}\t{meeting.title}: {languages}")
