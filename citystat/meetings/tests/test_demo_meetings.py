"""The demo city's meetings: a year held, follow-ups in every state, agendas ahead."""

import pytest
from django.utils import timezone

from citystat.demo.meetings import build_demo_meetings
from citystat.meetings.followups import overdue_follow_ups
from citystat.meetings.models import FollowUp, Meeting
from citystat.meetings.tests.conftest import add_measure
from citystat.plan.models import Goal, Objective


@pytest.fixture
def every_area_measured(plan_measures, areas, departments):
    """The demo plan gives every area measures; so does this one."""
    for area in areas[1:]:
        goal = Goal.objects.create(priority_area=area, slug=f"{area.slug}-goal", title=area.title)
        objective = Objective.objects.create(goal=goal, title=f"{area.title} objective")
        add_measure(objective, f"{area.slug}-measure", 88.0, departments["public-works"])


def test_the_demo_series_has_history_and_a_published_next_agenda(every_area_measured):
    series = build_demo_meetings(seed=3)
    now = timezone.now()
    meetings = list(series.meetings.order_by("starts_at"))
    past = [m for m in meetings if m.ends_at <= now]
    upcoming = [m for m in meetings if m.starts_at > now]
    assert len(upcoming) == 6
    assert {m.status for m in past} == {"held", "cancelled"}
    assert all(m.minutes and m.recording_url for m in past if m.status == "held")
    assert set(FollowUp.objects.values_list("status", flat=True)) == set(FollowUp.Status.values)
    assert overdue_follow_ups().exists()
    assert upcoming[0].agenda_published_at is not None
    assert upcoming[1].agenda_published_at is None and upcoming[1].agenda_items.exists()
    assert {m.local_start.hour for m in meetings} == {9}
    gaps = [(b.starts_at - a.starts_at).days for a, b in zip(meetings, meetings[1:], strict=False)]
    assert max(gaps) <= 35  # every month, no hole between the past and the next meetings


def test_building_again_changes_nothing(every_area_measured):
    build_demo_meetings(seed=3)
    count = Meeting.objects.count()
    assert build_demo_meetings(seed=3) is None
    assert Meeting.objects.count() == count
