"""The demo city's engagement step: answered questions on held meetings, pending ones on
the next, updates about neighborhoods, an open round with ballots."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from citystat.catalog.models import Dataset
from citystat.demo.datasets import DEMOLITIONS_SCHEMA
from citystat.demo.engagement import build_demo_engagement
from citystat.engagement.models import PriorityRound, Question, Update, Watch
from citystat.meetings.models import Meeting


def test_the_demo_step_fills_every_part_and_repeats_the_same(city, plan):
    Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    now = timezone.now()
    held = Meeting.objects.create(
        title="Held",
        status="held",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30) + dt.timedelta(hours=2),
    )
    coming = Meeting.objects.create(
        title="Coming",
        starts_at=now + dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5, hours=2),
    )
    build_demo_engagement(seed=3)
    first = list(Question.objects.order_by("external_id").values_list("text", "state"))
    build_demo_engagement(seed=3)
    assert list(Question.objects.order_by("external_id").values_list("text", "state")) == first
    answered = Question.objects.filter(meeting=held, state="answered")
    assert answered.count() == 3
    assert answered.filter(recording_seconds__isnull=False).count() == 1
    waiting = Question.objects.filter(meeting=coming, state="pending")
    assert waiting.count() == 3 and waiting.filter(flagged_spam=True).count() == 1
    assert Update.objects.filter(title__startswith="Demolitions planned in").count() == 2
    assert PriorityRound.objects.get().ballots.count() == 240
    # The seed's demolitions push: later loads of the dataset tell each place (#21).
    watch = Watch.objects.get()
    assert watch.dataset.slug == "demolitions" and watch.publish_automatically
    # Every update has a page: its slug survives neighborhood names like "Marlborough/Pride".
    for update in Update.objects.all():
        assert update.get_absolute_url().startswith("/updates/")
