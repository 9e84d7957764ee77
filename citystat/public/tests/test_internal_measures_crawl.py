"""An internal measure reaches no public surface (issue #16, High 2).

The demo city is built, every internal measure is tied to everything public that can
point at a measure (a headline, a narrative, an update, a question, an agenda item, a
follow-up, a strategy), and then the public site is crawled from its front door and its
APIs, following every link: no response may name an internal measure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from urllib.parse import urldefrag

import pytest
from django.test import Client
from django.utils import timezone

from citystat.city.models import Department
from citystat.demo.build import build_demo_city
from citystat.engagement.models import Question, Update
from citystat.meetings.models import AgendaItem, FollowUp, Meeting
from citystat.plan.models import Goal, Measure, Narrative, Strategy

pytestmark = pytest.mark.slow

# Where a crawl starts: the front door and what links nowhere (APIs, feeds, calendars).
SEEDS = [
    "/",
    "/search/?q=employees",
    "/search/?q=engagement",
    "/how-we-measure/",
    "/updates/feed.atom",
    "/feeds/meetings.atom",
    "/meetings/calendar.ics",
    "/data.json",
    "/api/3/action/package_list",
    "/api/3/action/current_package_list_with_resources",
    "/api/3/action/package_search?q=employee",
    "/api/v1/priority-areas/",
    "/api/v1/goals/?page_size=1000",
    "/api/v1/measures/?page_size=1000",
    "/api/v1/measures/?q=employees",
    "/api/v1/meetings/?page_size=1000",
    "/api/v1/follow-ups/?page_size=1000",
    "/api/v1/updates/?page_size=1000",
    "/api/schema",
]
# Staff pages, sign-in, language switching, files and endpoints that act rather than show.
SKIPPED = (
    "/staff",
    "/admin",
    "/i18n",
    "/static",
    "/media",
    "/subscribe/confirm",
    "/unsubscribe",
    "/hooks",
    "/metrics",
    "/healthz",
    "/readyz",
)
BINARY = (".png", ".pdf", ".parquet", ".xlsx", ".zip")
# The crawl stops here; the seeds and the pages they link come first (breadth first).
MOST_PAGES = 700
LINK = re.compile(r"""(?:href|src)=["'](/[^"'#\s]*)""")


@pytest.fixture
def demo_city(settings, tmp_path, db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=7)


def leave_traces(measure: Measure) -> None:
    """Tie `measure` to everything public that can name a measure."""
    now = timezone.now()
    measure.is_headline = True
    measure.save()
    latest = measure.values.filter(breakdown="").order_by("-period_start").first()
    if latest is not None:
        Narrative.objects.update_or_create(
            measure=measure,
            period=latest.period,
            defaults={"context": "Internal context.", "state": "approved"},
        )
    Update.objects.create(
        title=f"A note on {measure.slug}-x",
        slug=f"note-{measure.pk}",
        body="See the figures.",
        published_at=now - dt.timedelta(days=1),
        measure=measure,
        goal=measure.objective.goal,
    )
    Question.objects.create(
        text="How is the workforce doing?",
        channel="form",
        state=Question.State.ANSWERED,
        answer="Well.",
        answered_at=now,
        measure=measure,
        goal=measure.objective.goal,
    )
    meeting = Meeting.objects.filter(agenda_published_at__isnull=False).order_by("-starts_at")[0]
    AgendaItem.objects.create(
        meeting=meeting, kind=AgendaItem.Kind.MEASURE, title=measure.title, measure=measure
    )
    FollowUp.objects.create(
        meeting=meeting,
        text="Report back on the survey.",
        department=measure.department or Department.objects.all()[0],
        due_on=now.date() + dt.timedelta(days=30),
        measure=measure,
    )
    strategy = Strategy.objects.filter(goal__in=Goal.objects.all()).first()
    if strategy is not None:
        strategy.measures.add(measure)


def names_of(measures: list[Measure], url: str, body: str) -> list[str]:
    """Return the titles and slugs of `measures` that `body` (fetched from `url`) names."""
    named = [measure.title for measure in measures if measure.title.lower() in body.lower()]
    for measure in measures:
        slug = re.compile(rf"(?<![\w-]){re.escape(measure.slug)}(?![\w-])")
        # A 404 for the measure's own address may repeat the address asked for.
        if measure.slug not in url and slug.search(body):
            named.append(measure.slug)
    return named


def crawl(client: Client, seeds: list[str]) -> dict[str, str]:
    """Fetch the public site breadth first from `seeds`; return {url: body}."""
    seen, bodies = set(seeds), dict[str, str]()
    queue = deque(seeds)
    while queue and len(bodies) < MOST_PAGES:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 304, 400, 404), (url, response.status_code)
        if response.get("Location", "").startswith("/"):
            found = [response["Location"]]
        else:
            body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
            bodies[url] = body.decode("utf-8", errors="replace")
            found = LINK.findall(bodies[url]) + re.findall(
                r'"(?:url|next|href)":\s*"(?:https?://[^/"]+)?(/[^"]*)"', bodies[url]
            )
        for link in found:
            link = urldefrag(link.replace("&amp;", "&"))[0]
            if link in seen or link.startswith(SKIPPED) or link.endswith(BINARY):
                continue
            seen.add(link)
            queue.append(link)
    return bodies


def test_no_public_page_feed_or_api_names_an_internal_measure(demo_city):
    internal = list(Measure.objects.filter(is_public=False).select_related("objective__goal"))
    assert internal, "the demo city has no internal measure to hide"
    for measure in internal:
        leave_traces(measure)
    direct = [
        url
        for measure in internal
        for url in (
            f"/measures/{measure.slug}/",
            f"/measures/{measure.slug}/values.csv",
            f"/measures/{measure.slug}/values.json",
            f"/embed/measures/{measure.slug}/",
            f"/api/v1/measures/{measure.slug}/",
            f"/api/v1/measures/{measure.slug}/values/",
            f"/api/v1/measures/{measure.slug}/narratives/",
            f"/api/v1/measures/{measure.slug}/targets/",
        )
    ]

    bodies = crawl(Client(), SEEDS + direct)

    assert len(bodies) > 100, "the crawl found too few pages to mean anything"
    leaks = {url: names_of(internal, url, body) for url, body in bodies.items()}
    leaks = {url: names for url, names in leaks.items() if names}
    assert not leaks, f"internal measures named on {len(leaks)} public URLs: {leaks}"
