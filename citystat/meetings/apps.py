"""Stat meetings: series and cadence, agendas drafted from the plan, briefings, follow-ups."""

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "citystat.meetings"
    verbose_name = "Stat meetings"

    def ready(self) -> None:
        from citystat.meetings.sections import register_meeting_sections

        register_meeting_sections()
        watch_meetings()


def watch_meetings() -> None:
    """Bump the "meetings" stamp on any change to a meeting's rows (plan/revision.py's
    table says what each stamp covers). What they show of the plan (an area's title, the
    city's name) is the plan's revision: a reader keys on both."""
    from citystat.meetings import models
    from citystat.plan.revision import watch_stamp

    shown = [
        models.Meeting,
        models.MeetingSeries,
        models.RotationSlot,
        models.AgendaItem,
        models.Attendee,
        models.FollowUp,
        models.FollowUpComment,
    ]
    watch_stamp("meetings", shown)
