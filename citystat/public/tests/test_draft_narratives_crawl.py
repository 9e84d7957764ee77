"""A narrative that is not approved reaches no public surface (#19, the reporting cycle).

The demo city is built, every public measure gets a draft (or returned) narrative for its
newest period, newer than anything approved, and the public site is crawled from its
front door, feeds and APIs as for internal measures: no response may carry a draft's
words. Then one is approved, and its words appear on its measure page and in the API.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure, Narrative
from citystat.plan.review import APPROVE, review
from citystat.public.tests.test_internal_measures_crawl import SEEDS, crawl, demo_city

pytestmark = pytest.mark.slow

__all__ = ["demo_city"]


def marker(measure: Measure) -> str:
    return f"Unreviewed words about {measure.slug} zq"


def test_no_public_surface_shows_a_narrative_before_it_is_approved(demo_city, settings):
    # Four API addresses per measure: more than one visitor's limit in a minute.
    settings.CITYSTAT_API_RATE_ANON = "100000/minute"
    measures = list(Measure.objects.filter(is_public=True))
    for index, measure in enumerate(measures):
        newest = measure.values.filter(breakdown="").order_by("-period_start").first()
        if newest is None:
            continue
        Narrative.objects.update_or_create(
            measure=measure,
            period=newest.period,
            defaults={
                "context": marker(measure),
                "state": "returned" if index % 2 else "draft",
                "review_comment": "Not yet.",
            },
        )
    written = list(Narrative.objects.exclude(state="approved").select_related("measure"))
    assert len(written) > 10, "the demo city has too few measures with values"
    direct = [
        url
        for narrative in written
        for url in (
            f"/measures/{narrative.measure.slug}/",
            f"/api/v1/measures/{narrative.measure.slug}/",
            f"/api/v1/measures/{narrative.measure.slug}/narratives/",
            f"/api/v1/measures/{narrative.measure.slug}/narratives/{narrative.period}/",
        )
    ]
    briefings = [f"/meetings/{m.pk}/briefing/" for m in Meeting.objects.all()[:6]]

    bodies = crawl(Client(), SEEDS + direct + briefings)

    assert len(bodies) > 100, "the crawl found too few pages to mean anything"
    leaks = {url for url, body in bodies.items() if " zq" in body}
    assert not leaks, f"unapproved narratives shown on {len(leaks)} public URLs: {sorted(leaks)}"

    # The check can fail: once approved, the same words are public.
    alice = User.objects.create_user("alice-crawl", "alice-crawl@example.gov", "x" * 20)
    grant_role(alice, Role.PERFORMANCE_STAFF)
    first = written[0]
    review(first, alice, APPROVE)
    client = Client()
    assert marker(first.measure) in client.get(f"/measures/{first.measure.slug}/").content.decode()
    api = client.get(f"/api/v1/measures/{first.measure.slug}/").json()
    assert api["latest_narrative"]["context"] == marker(first.measure)
