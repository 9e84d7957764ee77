"""Stat meetings: series with a cadence and a rotation, meetings, agendas, follow-ups.

The rules (cadence, rotation across cancellations, when an agenda is public, what a
resident sees) are written for city staff in docs/meetings.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from citystat.city.models import Department
from citystat.lib.fields import URLField
from citystat.plan.models import Goal, Measure, PriorityArea


def validate_livestream(url: str) -> None:
    """Refuse a livestream address from outside CITYSTAT_LIVESTREAM_PROVIDERS, naming them."""
    # Imported here: start-up loads the models; the providers' patterns load with the URLs.
    from citystat.meetings.livestream import parse_stream, provider_names  # noqa: PLC0415

    if url and parse_stream(url) is None:
        raise ValidationError(
            "Livestreams can only come from: %(providers)s. Paste the address of the video "
            "or live page there (for example https://www.youtube.com/watch?v=…).",
            params={"providers": ", ".join(provider_names())},
            code="provider",
        )


def validate_time_zone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not an IANA time zone, such as America/Chicago.")


class MeetingSeries(models.Model):
    """A regular meeting: when it recurs, where, and which priority area comes next."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # An RFC 5545 recurrence rule without DTSTART, read by dateutil.rrule (cadence.py),
    # e.g. "FREQ=MONTHLY;BYDAY=2TU" for the second Tuesday of every month.
    rule = models.CharField(
        max_length=200,
        default="FREQ=MONTHLY;BYDAY=2TU",
        help_text="iCalendar recurrence rule, such as FREQ=MONTHLY;BYDAY=2TU "
        "(the second Tuesday of every month).",
    )
    first_date = models.DateField(help_text="The series starts on or after this day.")
    start_time = models.TimeField(default=dt.time(9, 0), help_text="Local time of day.")
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    location = models.CharField(max_length=300, blank=True)
    livestream_url = URLField(
        blank=True,
        validators=[validate_livestream],
        help_text="The channel's stream; allowed providers only (docs/meetings.md).",
    )
    rotation: models.ManyToManyField[PriorityArea, RotationSlot] = models.ManyToManyField(
        PriorityArea, through="RotationSlot", related_name="meeting_series", blank=True
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:series-ics", args=[self.slug])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def rotation_areas(self) -> list[PriorityArea]:
        return [slot.priority_area for slot in self.slots.select_related("priority_area")]


class RotationSlot(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="slots")
    priority_area = models.ForeignKey(PriorityArea, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["series", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.series} #{self.position}: {self.priority_area}"


def new_uid() -> str:
    return f"{uuid.uuid4()}@citystat"


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")

    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    # The local date the series' rule gave this meeting; kept when the meeting moves so a
    # regeneration recognises it (unique per series) and never makes a second one.
    occurrence = models.DateField(null=True, blank=True, editable=False)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    priority_area = models.ForeignKey(
        PriorityArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    # Staff chose the area themselves: the rotation no longer reassigns it (cadence.py).
    area_chosen_by_staff = models.BooleanField(default=False)
    location = models.CharField(max_length=300, blank=True)
    livestream_url = URLField(blank=True, validators=[validate_livestream])
    recording_url = URLField(blank=True)
    minutes = models.TextField(blank=True, help_text="What was said and decided; public.")
    cancellation_note = models.CharField(max_length=300, blank=True)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    agenda_drafted_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # iCalendar identity: the UID never changes; SEQUENCE goes up with every change a
    # calendar app must notice (time, place, status; ical.py).
    uid = models.CharField(max_length=120, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=models.Q(series__isnull=False, occurrence__isnull=False),
                name="one_meeting_per_occurrence",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.local_start:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Save, bumping the iCalendar SEQUENCE when a calendar app must notice the change."""
        if self.pk:
            before = Meeting.objects.filter(pk=self.pk).values(*CALENDAR_FIELDS).first()
            if before and any(before[name] != getattr(self, name) for name in CALENDAR_FIELDS):
                self.sequence += 1
                fields = kwargs.get("update_fields")
                if fields is not None:
                    kwargs["update_fields"] = {*fields, "sequence"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting", args=[self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_start(self) -> dt.datetime:
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return timezone.localtime(self.ends_at, self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def is_live(self, now: dt.datetime | None = None) -> bool:
        """Say whether the meeting is on now: its time window, neither cancelled nor held.

        Staff mark a meeting held when it is over, which may be before its planned end.
        """
        now = now or timezone.now()
        over = self.status in (self.Status.CANCELLED, self.Status.HELD)
        return not over and self.starts_at <= now < self.ends_at

    def is_past(self, now: dt.datetime | None = None) -> bool:
        return self.ends_at <= (now or timezone.now())

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_at is not None

    def agenda_public_from(self) -> dt.datetime:
        """Return when residents may first see the published agenda."""
        days = getattr(settings, "CITYSTAT_AGENDA_DAYS_AHEAD", 7)
        return self.starts_at - dt.timedelta(days=days)

    def agenda_is_public(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.agenda_is_published and now >= self.agenda_public_from()


class BriefingCopy(models.Model):
    """A meeting's briefing book PDF in one language.

    Kept in the database so every web node serves the same file without a shared disk;
    made ahead of time when the agenda is published (briefing.py, docs/meetings.md).
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="briefings")
    language = models.CharField(max_length=10)
    pdf = models.BinaryField()
    generated_at = models.DateTimeField()
    # The plan's and the meetings' stamps it was made under (briefing.briefing_revision).
    revision = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["meeting", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "language"], name="one_briefing_per_meeting_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.language})"


# The fields a resident's calendar shows: a change to any of them bumps Meeting.sequence.
CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "time_zone", "status", "location")


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        GOAL = "goal", _("Goal")
        MEASURE = "measure", _("Measure")
        FOLLOW_UP = "follow_up", _("Follow-up review")
        QUESTION = "question", _("Resident question")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    minutes_allotted = models.PositiveSmallIntegerField(null=True, blank=True)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_up = models.ForeignKey(
        "FollowUp", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A resident question comes from engagement through hooks.agenda_questions; meetings
    # keeps only its public link (meetings may not import engagement).
    question_url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def display_title(self) -> str:
        """Return the title in the reader's language when the draft wrote it (agenda.py).

        A drafted title is stored in English; its fixed words are translated on display
        and the plan's own words (area, follow-up, question) kept. A title staff rewrote
        is shown as they wrote it.
        """
        title = self.title
        if self.kind == self.Kind.OPENING and title.startswith(OPENING_TITLE):
            return gettext("Welcome and purpose") + title[len(OPENING_TITLE) :]
        if self.kind == self.Kind.FOLLOW_UP and self.follow_up_id is None and title == REVIEW:
            return gettext("Follow-up review")
        if self.kind == self.Kind.FOLLOW_UP and title.startswith(FOLLOW_UP_PREFIX):
            return gettext("Follow-up:") + title[len(FOLLOW_UP_PREFIX) :]
        if self.kind == self.Kind.QUESTION and title.startswith(QUESTION_PREFIX):
            return gettext("Resident question") + title[len(QUESTION_PREFIX) :]
        return title


# The fixed words of drafted agenda titles (agenda.draft_agenda writes them).
OPENING_TITLE = "Welcome and purpose"
REVIEW = "Follow-up review"
FOLLOW_UP_PREFIX = "Follow-up:"
QUESTION_PREFIX = "Resident question"


class Attendee(models.Model):
    """Who is in the room, by role. The public page shows roles and departments only."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead (chair)")
        DEPARTMENT_DIRECTOR = "director", _("Department director")
        LEGAL_COUNSEL = "legal", _("Legal counsel")
        IT = "it", _("IT")
        SUBJECT_EXPERT = "expert", _("Subject-matter expert")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(max_length=120)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class FollowUp(models.Model):
    """A commitment made in a meeting: who, by when, and whether it was kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.TextField()
    # Named `department` so the department scope (accounts/permissions.py department_for)
    # finds it: department editors change only their departments' follow-ups.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="follow_ups")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="follow_ups",
    )
    due_on = models.DateField()
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    drop_reason = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # The capture form's one-time token: a double click or a retried request carries the
    # same token, and the unique constraint lets only one of them create the follow-up.
    submission_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["submission_token"])

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="dropped") | ~models.Q(drop_reason=""),
                name="dropped_follow_up_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return f"{self.meeting.get_absolute_url()}#follow-up-{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.DROPPED)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Say whether the follow-up is still open after its due date."""
        return not self.is_closed and self.due_on < (today or timezone.localdate())


class FollowUpComment(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["follow_up", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class ReminderSent(models.Model):
    """One reminder digest sent to one person on one day, so cron can rerun `remind`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_reminder_per_user_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
