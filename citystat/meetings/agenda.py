"""Agendas drafted from the plan, and publishing them.

The draft follows the stat practice (docs/meetings.md, "Agenda"): open with what was
promised last time on this area (overdue first), then the area's goals, the goals and
measures that are off track or need attention first, then residents' questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from citystat.meetings import hooks
from citystat.meetings.cadence import CadenceError, local_to_utc, upcoming_occurrences
from citystat.meetings.models import (
    FOLLOW_UP_PREFIX,
    OPENING_TITLE,
    QUESTION_PREFIX,
    REVIEW,
    AgendaItem,
    FollowUp,
    Meeting,
)
from citystat.plan import revision
from citystat.plan.models import Goal, Measure, Status
from citystat.plan.status import MeasureStatus, roll_up, status_for

# Worst first: the order in which measures (and their goals) come up in a drafted agenda.
URGENCY = {
    Status.OFF_TRACK: 0,
    Status.NEEDS_ATTENTION: 1,
    Status.NO_RECENT_DATA: 2,
    Status.NO_TARGET: 3,
    Status.ON_TRACK: 4,
}


# The standing follow-up review's heading item (an item of kind follow_up without one).
REVIEW_TITLE = REVIEW


class AgendaError(ValueError):
    pass


@dataclass
class JudgedMeasure:
    measure: Measure
    judged: MeasureStatus


@dataclass
class JudgedGoal:
    goal: Goal
    status: Status
    measures: list[JudgedMeasure]


def judged_goals(meeting: Meeting, today: dt.date | None = None) -> list[JudgedGoal]:
    """Return the meeting area's goals and measures, worst first, each group by position."""
    if meeting.priority_area is None:
        return []
    goals = []
    for goal in meeting.priority_area.goals.all():
        measures = [
            JudgedMeasure(measure, status_for(measure, today=today))
            for measure in Measure.objects.filter(objective__goal=goal)
            .select_related("department")
            .prefetch_related("targets")
            .order_by("objective__position", "position", "title")
        ]
        measures.sort(key=lambda item: URGENCY[item.judged.status])
        status = roll_up([item.judged.status for item in measures]).status
        goals.append(JudgedGoal(goal, status, measures))
    goals.sort(key=lambda item: URGENCY[item.status])
    return goals


def next_meeting_start(meeting: Meeting) -> dt.datetime | None:
    """Return when the series meets after `meeting`: its next meeting, else its rule's next date.

    None for a meeting outside a series, or a series whose rule has no later date.
    """
    if meeting.series is None:
        return None
    later = (
        Meeting.objects.filter(series=meeting.series, starts_at__gt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if later is not None:
        return later

    try:
        following = upcoming_occurrences(meeting.series, meeting.starts_at, 1)
    except CadenceError:
        return None
    return local_to_utc(following[0], meeting.series) if following else None


def follow_ups_to_review(meeting: Meeting, today: dt.date | None = None) -> list[FollowUp]:
    """Return the open follow-ups the meeting reviews, overdue first.

    Those from earlier meetings on the meeting's area, and (the standing follow-up review)
    every open follow-up from the series' earlier meetings that falls due before the
    series next meets, whatever area the rotation gives either meeting: a promise due in
    seven weeks is not left for the area's turn to come round again months later.
    """
    today = today or timezone.localdate()
    due_by = Q(pk__in=[])
    if meeting.priority_area_id is not None:
        due_by |= Q(meeting__priority_area_id=meeting.priority_area_id)
    if meeting.series_id is not None:
        following = next_meeting_start(meeting)
        if following is not None:
            local_day = timezone.localtime(following, meeting.zone).date()
            due_by |= Q(meeting__series_id=meeting.series_id, due_on__lt=local_day)
    earlier = (
        FollowUp.objects.filter(due_by, meeting__starts_at__lt=meeting.starts_at)
        .exclude(status__in=[FollowUp.Status.DONE, FollowUp.Status.DROPPED])
        .distinct()
    )
    follow_ups = list(earlier.select_related("department", "measure"))
    follow_ups.sort(key=lambda item: (not item.is_overdue(today), item.due_on, item.pk))
    return follow_ups


@transaction.atomic
def draft_agenda(meeting: Meeting, today: dt.date | None = None) -> list[AgendaItem]:
    """Replace the meeting's agenda with a fresh draft from the plan; return its items."""
    if meeting.agenda_is_published:
        raise AgendaError("The agenda is published; unpublish it before drafting it again.")
    meeting.agenda_items.all().delete()
    items: list[AgendaItem] = []

    def add(kind: str, title: str, **fields: object) -> None:
        items.append(
            AgendaItem(meeting=meeting, position=len(items), kind=kind, title=title[:300], **fields)
        )

    area = meeting.priority_area
    add(
        AgendaItem.Kind.OPENING,
        f"{OPENING_TITLE}: {area.title}" if area else OPENING_TITLE,
        minutes_allotted=5,
    )
    reviewed = follow_ups_to_review(meeting, today)
    # The standing section: every meeting opens its review, even with nothing to review.
    add(AgendaItem.Kind.FOLLOW_UP, REVIEW_TITLE)
    for follow_up in reviewed:
        due = "overdue since" if follow_up.is_overdue(today) else "due"
        add(
            AgendaItem.Kind.FOLLOW_UP,
            f"{FOLLOW_UP_PREFIX} {follow_up.text}",
            notes=f"{follow_up.department.name}, {due} {follow_up.due_on:%Y-%m-%d} "
            f"({follow_up.get_status_display().lower()}).",
            follow_up=follow_up,
            measure=follow_up.measure,
        )
    for judged_goal in judged_goals(meeting, today):
        add(AgendaItem.Kind.GOAL, judged_goal.goal.title, goal=judged_goal.goal)
        for item in judged_goal.measures:
            # No status in the notes: pages show it live, in the reader's language
            # (plan_display's measure_status), and the notes stay the staff's own.
            add(
                AgendaItem.Kind.MEASURE,
                item.measure.title,
                goal=judged_goal.goal,
                measure=item.measure,
            )
    for question in hooks.questions_for(meeting):
        where = f" ({question.asked_by_neighborhood})" if question.asked_by_neighborhood else ""
        add(
            AgendaItem.Kind.QUESTION,
            f"{QUESTION_PREFIX}{where}: {question.text}",
            question_url=question.url[:300],
        )
    AgendaItem.objects.bulk_create(items)
    meeting.agenda_drafted_at = timezone.now()
    meeting.save(update_fields=["agenda_drafted_at", "updated_at"])
    return list(meeting.agenda_items.all())


def publish_agenda(meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Publish the agenda ahead of the meeting; refuse a meeting that has started or ended."""
    now = now or timezone.now()
    if meeting.starts_at <= now:
        raise AgendaError(
            "This meeting has already started or taken place; an agenda is published ahead "
            "of a meeting, not after it."
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise AgendaError("This meeting is cancelled.")
    if not meeting.agenda_items.exists():
        raise AgendaError("The agenda is empty: draft it or add items first.")
    meeting.agenda_published_at = now
    meeting.save(update_fields=["agenda_published_at", "updated_at"])
    # The briefing books are made as the publication commits, so no one waits for them.
    # Imported here: briefing imports this module (the follow-ups a book reviews).
    from citystat.meetings.briefing import prepare_in_background  # noqa: PLC0415

    meeting_id = meeting.pk
    transaction.on_commit(lambda: prepare_in_background(meeting_id))
    return meeting


def unpublish_agenda(meeting: Meeting) -> Meeting:
    meeting.agenda_published_at = None
    meeting.save(update_fields=["agenda_published_at", "updated_at"])
    return meeting


def reorder_agenda(meeting: Meeting, item_ids: list[int]) -> None:
    """Put the meeting's items in the order of `item_ids` (others keep their place after)."""
    items = {item.pk: item for item in meeting.agenda_items.all()}
    ordered = [items[pk] for pk in item_ids if pk in items]
    ordered += [item for pk, item in items.items() if pk not in set(item_ids)]
    for position, item in enumerate(ordered):
        item.position = position
    AgendaItem.objects.bulk_update(ordered, ["position"])
    revision.stamp_changed("meetings")  # a bulk update sends no signal


def move_item(item: AgendaItem, step: int) -> None:
    """Move an agenda item up (step -1) or down (step 1) one place."""
    ids = list(item.meeting.agenda_items.values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index + step
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        reorder_agenda(item.meeting, ids)


def meetings_missing_agenda(now: dt.datetime | None = None) -> list[Meeting]:
    """Return meetings within the agenda window that have no published agenda yet."""
    now = now or timezone.now()
    days = getattr(settings, "CITYSTAT_AGENDA_DAYS_AHEAD", 7)
    close = Meeting.objects.filter(
        Q(starts_at__gt=now) & Q(starts_at__lte=now + dt.timedelta(days=days)),
        agenda_published_at__isnull=True,
    ).exclude(status=Meeting.Status.CANCELLED)
    return list(close.select_related("priority_area").order_by("starts_at"))
