"""A briefing book is made again after any change it shows, and only then (plan/revision.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import weasyprint
from django.utils import timezone

from citystat.meetings import briefing
from citystat.meetings.agenda import draft_agenda, reorder_agenda
from citystat.meetings.models import BriefingCopy, FollowUp, Meeting
from citystat.plan import revision
from citystat.plan.models import Target


class CountingHTML:
    """WeasyPrint's HTML, counting the PDFs it is asked for (each a full render)."""

    made: list[str] = []

    def __init__(self, string: str, **kwargs: object) -> None:
        self.string = string

    def write_pdf(self) -> bytes:
        CountingHTML.made.append(self.string)
        return b"%PDF-1.7 " + str(len(CountingHTML.made)).encode()


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    monkeypatch.setattr(weasyprint, "HTML", CountingHTML)
    CountingHTML.made = []
    revision.forget_stamps()
    return CountingHTML.made


@pytest.fixture
def meeting(areas, plan_measures, departments, bob) -> Meeting:
    starts = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        title="KCStat",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        priority_area=areas[0],
    )
    FollowUp.objects.create(
        meeting=meeting,
        text="Map every leak",
        department=departments["water"],
        owner=bob,
        due_on=timezone.localdate() + dt.timedelta(days=9),
    )
    draft_agenda(meeting)
    return meeting


def pdf(meeting: Meeting) -> bytes:
    return briefing.briefing_pdf(meeting, "http://localhost/", "en")


def change_agenda_item(meeting: Meeting) -> None:
    item = meeting.agenda_items.first()
    assert item is not None
    item.title = "Leaks, district by district"
    item.save()


def change_follow_up(meeting: Meeting) -> None:
    follow_up = FollowUp.objects.get(meeting=meeting)
    follow_up.text = "Map every leak by district"
    follow_up.save()


def change_meeting(meeting: Meeting) -> None:
    meeting.location = "City Hall, 10th floor"
    meeting.save()


def reorder(meeting: Meeting) -> None:
    ids = list(meeting.agenda_items.values_list("pk", flat=True))
    reorder_agenda(meeting, ids[::-1])  # a bulk update: no signal of its own


def change_target(meeting: Meeting) -> None:
    # Not a timestamp the old check compared: the book showed the old target.
    target = Target.objects.filter(measure__slug="leaks-fixed").get()
    target.value = 75
    target._change_reason = "Council raised the goal"  # type: ignore[attr-defined]
    target.save()


@pytest.mark.parametrize(
    "change", [change_agenda_item, change_follow_up, change_meeting, reorder, change_target]
)
def test_a_change_the_book_shows_makes_it_again_on_the_next_request(meeting, renders, change):
    first = pdf(meeting)
    assert pdf(meeting) == first and len(renders) == 1
    change(meeting)
    assert briefing.briefing_is_stale(meeting, "en")
    assert pdf(meeting) != first and len(renders) == 2
    assert BriefingCopy.objects.get(meeting=meeting).pdf == pdf(meeting)
    assert len(renders) == 2


def test_the_remade_book_shows_the_change(meeting, renders):
    pdf(meeting)
    change_follow_up(meeting)
    pdf(meeting)
    assert "Map every leak by district" in renders[-1]


def test_a_change_the_book_does_not_show_leaves_it_alone(meeting, renders, db):
    pdf(meeting)
    # A question moving on the live board is the board's stamp, not the book's (the
    # engagement app bumps it; the meetings app may not import engagement).
    revision.stamp_changed(f"board:{meeting.pk}")
    assert not briefing.briefing_is_stale(meeting, "en")
    pdf(meeting)
    assert len(renders) == 1
