"""When a series meets and which priority area each meeting takes.

Cadence: the series' rule (RFC 5545 RRULE, read by dateutil) runs over *local* dates and
times, and each occurrence is then placed in the series' time zone, so a 9:00 meeting
stays at 9:00 on both sides of a daylight-saving change.

Rotation (docs/meetings.md, "Rotation"): meetings take the areas in the series' order. A
meeting that is held, whose agenda is published, or whose area staff chose keeps its
area, and the next meeting takes the area after it. A cancelled meeting takes no turn:
its area passes to the next meeting, so no department loses its turn to a cancellation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.rrule import rrule, rrulestr
from django.db import transaction
from django.utils import timezone

from citystat.meetings.models import Meeting, MeetingSeries
from citystat.plan.models import PriorityArea


class CadenceError(ValueError):
    pass


def parse_rule(series: MeetingSeries) -> rrule:
    """Return the series' recurrence starting at its first local date and time."""
    text = series.rule.strip()
    if not text or "DTSTART" in text.upper():
        raise CadenceError("Give the rule without DTSTART, such as FREQ=MONTHLY;BYDAY=2TU.")
    try:
        rule = rrulestr(text, dtstart=dt.datetime.combine(series.first_date, series.start_time))
    except (ValueError, TypeError) as error:
        raise CadenceError(f"Not an iCalendar recurrence rule: {error}") from error
    if not isinstance(rule, rrule):
        raise CadenceError("Give one RRULE, not a set of rules.")
    return rule


def local_to_utc(local: dt.datetime, series: MeetingSeries) -> dt.datetime:
    """Place a naive local time in the series' zone (a time skipped by DST moves forward)."""
    aware = local.replace(tzinfo=series.zone)
    return aware.astimezone(dt.UTC)


def upcoming_occurrences(
    series: MeetingSeries, after: dt.datetime, count: int
) -> list[dt.datetime]:
    """Return the next `count` local start times strictly after `after`."""
    rule = parse_rule(series)
    local_after = timezone.localtime(after, series.zone).replace(tzinfo=None)
    found: list[dt.datetime] = []
    moment = local_after
    while len(found) < count:
        following = rule.after(moment)
        if following is None:
            break
        found.append(following)
        moment = following
    return found


@transaction.atomic
def generate_meetings(
    series: MeetingSeries, ahead: int = 6, now: dt.datetime | None = None
) -> list[Meeting]:
    """Create the series' next `ahead` meetings that do not exist yet; return the new ones.

    Occurrences are recognised by their rule date, so running this again (or after staff
    moved a meeting to another day) never creates a duplicate.
    """
    now = now or timezone.now()
    existing = set(series.meetings.values_list("occurrence", flat=True))
    created = []
    for local_start in upcoming_occurrences(series, now, ahead):
        if local_start.date() in existing:
            continue
        starts_at = local_to_utc(local_start, series)
        created.append(
            Meeting.objects.create(
                series=series,
                occurrence=local_start.date(),
                title=series.title,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=series.duration_minutes),
                time_zone=series.time_zone,
                location=series.location,
                livestream_url=series.livestream_url,
            )
        )
    assign_rotation(series, now)
    return created


def keeps_its_area(meeting: Meeting, now: dt.datetime) -> bool:
    """Say whether the rotation must leave the meeting's area as it is."""
    return (
        meeting.area_chosen_by_staff
        or meeting.status == Meeting.Status.HELD
        or meeting.agenda_is_published
        or meeting.starts_at <= now
    )


@transaction.atomic
def assign_rotation(series: MeetingSeries, now: dt.datetime | None = None) -> list[Meeting]:
    """Give the series' open meetings their areas by the rotation rule; return those changed."""
    now = now or timezone.now()
    areas = series.rotation_areas()
    if not areas:
        return []
    positions = {area.pk: index for index, area in enumerate(areas)}
    next_index = 0
    changed = []
    for meeting in series.meetings.order_by("starts_at"):
        if meeting.status == Meeting.Status.CANCELLED:
            continue
        if keeps_its_area(meeting, now):
            if meeting.priority_area_id in positions:
                next_index = (positions[meeting.priority_area_id] + 1) % len(areas)
            continue
        area: PriorityArea = areas[next_index]
        next_index = (next_index + 1) % len(areas)
        if meeting.priority_area_id != area.pk:
            meeting.priority_area = area
            meeting.save(update_fields=["priority_area", "updated_at"])
            changed.append(meeting)
    return changed


def move_meeting(
    meeting: Meeting, starts_at: dt.datetime, ends_at: dt.datetime | None = None
) -> Meeting:
    """Move a meeting to a new time, keeping its length unless `ends_at` is given."""
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
        raise CadenceError(f"A {meeting.get_status_display().lower()} meeting cannot be moved.")
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at or starts_at + length
    if meeting.ends_at <= meeting.starts_at:
        raise CadenceError("The meeting must end after it starts.")
    meeting.status = Meeting.Status.MOVED
    meeting.save()
    if meeting.series:
        assign_rotation(meeting.series)
    return meeting


def cancel_meeting(meeting: Meeting, note: str = "") -> Meeting:
    """Cancel a meeting; its area passes to the series' next open meeting."""
    if meeting.status == Meeting.Status.HELD:
        raise CadenceError("A meeting that was held cannot be cancelled.")
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancellation_note = note
    meeting.save()
    if meeting.series:
        assign_rotation(meeting.series)
    return meeting


def mark_held(meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Record that the meeting took place; refuse it before its start time or if cancelled."""
    now = now or timezone.now()
    if meeting.is_cancelled:
        raise CadenceError("A cancelled meeting cannot be marked held.")
    if meeting.starts_at > now:
        start = timezone.localtime(meeting.starts_at, meeting.zone)
        raise CadenceError(
            f"This meeting has not started yet: it can be marked held from "
            f"{start:%Y-%m-%d %H:%M} ({meeting.time_zone})."
        )
    meeting.status = Meeting.Status.HELD
    meeting.save()
    return meeting


@dataclass
class Generated:
    """What generating a series' next meetings did: the new ones and how far it now runs."""

    series: MeetingSeries
    created: list[Meeting]
    ahead: int
    last: Meeting | None

    def summary(self) -> str:
        if self.last is None:
            return f"{self.series.title}: its rule gives no meeting after today."
        through = f"{self.last.local_start:%Y-%m-%d}"
        if not self.created:
            return (
                f"{self.series.title}: its next {self.ahead} meetings already existed "
                f"(through {through}); nothing new."
            )
        return (
            f"{self.series.title}: {len(self.created)} new meeting(s), with drafted agendas; "
            f"the next {self.ahead} run through {through}."
        )


def schedule_series(
    series: MeetingSeries, ahead: int = 6, now: dt.datetime | None = None
) -> Generated:
    """Make sure the series' next `ahead` meetings exist, each new one with a drafted agenda."""
    # Imported here: agenda imports this module (a meeting's next occurrence).
    from citystat.meetings.agenda import draft_agenda  # noqa: PLC0415

    now = now or timezone.now()
    with transaction.atomic():
        created = generate_meetings(series, ahead=ahead, now=now)
        for meeting in created:
            draft_agenda(meeting)
    upcoming = (
        series.meetings.filter(starts_at__gt=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")[:ahead]
    )
    shown = list(upcoming)
    return Generated(series, created, ahead, shown[-1] if shown else None)
