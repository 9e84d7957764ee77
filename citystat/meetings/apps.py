"""Stat meetings: series and cadence, agendas drafted from the plan, briefings, follow-ups."""

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "citystat.meetings"
    verbose_name = "Stat meetings"

    def ready(self) -> None:
        from citystat.meetings.sections import register_meeting_sections

        register_meeting_sections()
