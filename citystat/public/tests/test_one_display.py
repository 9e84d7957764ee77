"""One way to show a number (#20): a measure's value reads the same on its page, in its
briefing entry, in its JSON export, on its update card and in the digest email, in each
language. The expected strings are written out by hand (English "1,234.6 days", Spanish
"1.234,6 días"), not taken from plan/display.py."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone, translation

from citystat.city.models import CityProfile
from citystat.engagement.models import SentItem, Subscription, Update
from citystat.engagement.subscriptions import send_digest
from citystat.meetings.briefing import briefing_book, render_briefing_html
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure, MeasureValue, Target
from citystat.plan.testing import build_tiny_plan

NBSP = "\u00a0"
CASES = [
    ("days", 1234.56, "1,234.6 days", "1.234,6 días"),
    ("dollars", 1234567.891, "$1,234,568", f"1.234.568{NBSP}US$"),
    ("percent", 61.64, "61.6%", f"61,6{NBSP}%"),
    ("count", 98765, "98,765", "98.765"),
]


@pytest.fixture
def measure(db, request, monkeypatch):
    # Each case reuses the measure's slug: no page of an earlier case may be served.
    cache.clear()
    CityProfile.objects.create(name="Testville", languages=["en", "es"])
    plan = build_tiny_plan()
    unit, value = request.param[:2]
    measure = Measure.objects.get(slug="potholes-closed")
    measure.unit = unit
    measure.save()
    MeasureValue.objects.create(
        measure=measure,
        period="2026-03",
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        value=value,
    )
    Target.objects.create(measure=measure, fiscal_year=2026, value=value)
    starts = timezone.now() + dt.timedelta(days=3)
    Meeting.objects.create(
        title="Stat",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        priority_area=plan.priority_areas.get(slug="infrastructure"),
    )
    Update.objects.create(
        title="Potholes in March",
        slug="potholes-in-march",
        body="Crews were out.",
        published_at=timezone.now() - dt.timedelta(hours=1),
        measure=measure,
    )
    Subscription.objects.create(
        email="resident@example.org",
        subject=Subscription.Subject.GOAL,
        subject_key=str(measure.objective.goal_id),
        confirmed_at=timezone.now() - dt.timedelta(days=1),
    )
    return measure


def shown_everywhere(client, measure: Measure, language: str) -> dict[str, str]:
    """Return each place's text that holds the measure's value, in `language`."""
    header = {"HTTP_ACCEPT_LANGUAGE": language}
    page = client.get(f"/measures/{measure.slug}/", **header)
    update = client.get("/updates/potholes-in-march/", **header)
    export = client.get(f"/measures/{measure.slug}/values.json", **header).json()
    with translation.override(language):
        book = briefing_book(Meeting.objects.get(), charts=False)
        entry = next(m for _, ms in book.goals for m in ms if m.measure.pk == measure.pk)
        mail.outbox.clear()
        SentItem.objects.all().delete()  # the digest is sent once per item: again here
        send_digest()
    return {
        "page": html.unescape(page.content.decode()),
        "update card": html.unescape(update.content.decode()),
        "export": export["values"][0]["value_text"],
        "briefing entry": entry.value_text,
        "briefing target": entry.target_text,
        "briefing page": html.unescape(render_briefing_html(book)),
        "email": mail.outbox[0].body,
    }


@pytest.mark.parametrize("measure", CASES, indirect=True, ids=[case[0] for case in CASES])
def test_a_value_reads_the_same_on_every_page_export_briefing_and_email(client, measure):
    case = next(case for case in CASES if case[0] == measure.unit)
    for language, expected in (("en", case[2]), ("es", case[3])):
        for place, text in shown_everywhere(client, measure, language).items():
            assert expected in text, f"{place} ({language}) lacks {expected!r}"
        # …and nowhere in the other language's shape.
        other = case[3] if language == "en" else case[2]
        if other not in expected:
            assert other not in shown_everywhere(client, measure, language)["export"]
