"""The demo city's stat meetings: a monthly KCStat series over the plan's priority areas.

A year of past meetings (one cancelled for weather, the rest held, with minutes, a
recording and follow-ups in every state, some overdue) and the next six, the first with a
published agenda and the others drafted. Seeded, so every build is the same relative to
the day it runs.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role
from citystat.city.models import Department
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.cadence import (
    assign_rotation,
    cancel_meeting,
    generate_meetings,
    parse_rule,
)
from citystat.meetings.models import Attendee, FollowUp, Meeting, MeetingSeries, RotationSlot
from citystat.plan.models import Measure, Plan

PAST_MONTHS = 12
AHEAD = 6
LIVESTREAM = "https://www.youtube.com/watch?v=kcStatDemo1"

# What departments promise at a meeting, about one measure each: the follow-up names the
# measure it is attached to, so a resident reading the list knows what it is about.
PROMISES = [
    "Report “{measure}” by council district at the next meeting",
    "Explain what drove the latest change in “{measure}”",
    "Bring a plan to bring “{measure}” back to its target",
    "Check whether the data behind “{measure}” counts duplicate requests",
    "Compare “{measure}” with peer cities",
    "Meet with neighborhood associations about the results of “{measure}”",
    "Publish the schedule of the work meant to move “{measure}”",
    "Bring the staffing behind “{measure}” and the open positions to the next meeting",
]
DROP_REASONS = [
    "Overtaken by the budget decision in May; the council funded the work directly.",
    "The state transportation department took over these roads.",
]
MINUTES = (
    "The department director presented the area's measures. Members discussed the measures "
    "off track, the causes the department identified, and what it will do next. The "
    "follow-ups below were agreed; they come back at the next meeting on this area."
)


def demo_people(seed: int) -> dict[int, Any]:
    """Return one demo staff member (no password, cannot sign in) per plan department."""
    User = get_user_model()
    people: dict[int, Any] = {}
    rng = random.Random(seed)
    first_names = ["Avery", "Jordan", "Morgan", "Riley", "Casey", "Taylor", "Quinn", "Reese"]
    departments = Department.objects.filter(measures__isnull=False).distinct()
    for department in sorted(departments, key=lambda d: d.code):
        username = f"demo-{department.code}"[:150]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": rng.choice(first_names),
                "last_name": department.name.split()[0],
                "email": f"{username}@example.gov",
            },
        )
        if created:
            user.set_unusable_password()
            user.save()
            profile = StaffProfile.objects.create(user=user)
            profile.departments.add(department)
            grant_role(user, Role.DEPARTMENT_EDITOR)
        people[department.pk] = user
    return people


def build_demo_meetings(seed: int = 2024) -> MeetingSeries | None:
    """Create the demo series, its past and next meetings, agendas and follow-ups."""
    plan = Plan.current()
    if plan is None or MeetingSeries.objects.filter(slug="kcstat").exists():
        return None
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    first = (today.replace(day=1) - dt.timedelta(days=PAST_MONTHS * 31)).replace(day=1)
    series = MeetingSeries.objects.create(
        slug="kcstat",
        title="KCStat",
        description="The city's monthly performance meeting, one priority area at a time.",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=first,
        start_time=dt.time(9, 0),
        duration_minutes=90,
        time_zone="America/Chicago",
        location="City Hall, 26th floor, 414 E 12th Street",
        livestream_url=LIVESTREAM,
    )
    for position, area in enumerate(plan.priority_areas.order_by("position")):
        RotationSlot.objects.create(series=series, priority_area=area, position=position)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC)
    # Every occurrence from the first date up to now, then the next AHEAD: no gap.
    local_now = timezone.localtime(now, series.zone).replace(tzinfo=None)
    held_count = len(parse_rule(series).between(dt.datetime.combine(first, dt.time(0)), local_now))
    generate_meetings(series, ahead=held_count, now=start)
    past = list(series.meetings.filter(ends_at__lte=now).order_by("starts_at"))
    # One winter meeting cancelled for weather: its area passes to the next meeting.
    winter = [m for m in past if m.local_start.month in (1, 2)]
    if winter:
        cancel_meeting(winter[0], "Cancelled for snow; the area comes up next month.")
        assign_rotation(series, now=start)
    generate_meetings(series, ahead=AHEAD, now=now)
    people = demo_people(seed)
    # In date order, so each agenda reviews the follow-ups of the meetings before it.
    for meeting in series.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("starts_at"):
        draft_agenda(meeting, today=min(meeting.local_start.date(), today))
        if meeting.ends_at <= now:
            hold_demo_meeting(meeting, people, rng, today)
    upcoming = list(series.meetings.filter(starts_at__gt=now).order_by("starts_at"))
    if upcoming:
        publish_agenda(upcoming[0], now=now)
    return series


def hold_demo_meeting(
    meeting: Meeting, people: dict[int, Any], rng: random.Random, today: dt.date
) -> None:
    """Mark a past meeting held, with attendees, minutes, a recording and follow-ups."""
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.HELD,
        agenda_published_at=meeting.starts_at - dt.timedelta(days=8),
        minutes=MINUTES,
        recording_url=LIVESTREAM,
    )
    measures = list(
        Measure.objects.filter(
            # Public measures only: a follow-up's text names its measure, and the
            # follow-up list is public.
            objective__goal__priority_area=meeting.priority_area_id,
            department__isnull=False,
            is_public=True,
        ).select_related("department", "objective__goal")
    )
    if not measures:
        return
    director = measures[0].department
    assert director is not None  # filtered above
    Attendee.objects.bulk_create(
        [
            Attendee(meeting=meeting, role=Attendee.Role.LEAD, name="City Manager"),
            Attendee(
                meeting=meeting,
                role=Attendee.Role.DEPARTMENT_DIRECTOR,
                name=f"{director.name} director",
                department=director,
            ),
            Attendee(meeting=meeting, role=Attendee.Role.LEGAL_COUNSEL, name="City Attorney"),
            Attendee(meeting=meeting, role=Attendee.Role.IT, name="Chief Data Officer"),
        ]
    )
    held_on = meeting.local_start.date()
    for index, (promise, measure) in enumerate(
        zip(rng.sample(PROMISES, 3), rng.sample(measures, min(3, len(measures))), strict=False)
    ):
        # The first promise is due in three weeks, so last month's is overdue if still open.
        due = held_on + dt.timedelta(days=21 if index == 0 else rng.choice([30, 45, 60]))
        follow_up = FollowUp(
            meeting=meeting,
            text=promise.format(measure=measure.title),
            department=measure.department,
            owner=people.get(measure.department_id or 0),
            due_on=due,
            measure=measure,
            goal=measure.objective.goal,
        )
        # Older promises are mostly settled; recent ones mostly still open, some overdue.
        roll = rng.random()
        if due < today - dt.timedelta(days=60):
            if roll < 0.65:
                follow_up.status, follow_up.closed_on = FollowUp.Status.DONE, due
            elif roll < 0.8:
                follow_up.status, follow_up.closed_on = FollowUp.Status.DROPPED, due
                follow_up.drop_reason = rng.choice(DROP_REASONS)
        elif index % 2 == 0:
            follow_up.status = FollowUp.Status.IN_PROGRESS
        follow_up.save()
