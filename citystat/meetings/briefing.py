"""The briefing book: what the department presents, printable and as a PDF.

It is a public document (residents may read what the room reads): public measures only,
departments rather than people. The PDF is made with WeasyPrint from the same template,
one per site language, and kept in the database (BriefingCopy) so every web node serves
the same copy; it is made when the agenda is published (a job, `prepare_briefing`) and
again when anything in the plan or the meetings changed since: it is stored with the
plan's and the meetings' stamps it was made under (`briefing_revision`, plan/revision.py),
and is stale when they differ (`briefing_is_stale`). Charts are drawn once per chart spec
and language and reused (citystat/lib/charts.py caches them under the spec's hash: a new
value is a new spec).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from threading import Thread
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import close_old_connections
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from citystat.city.models import CityProfile
from citystat.city.translations import localized
from citystat.jobs.runs import JobAlreadyRunning, single_run
from citystat.lib.charts import ChartError, inline_svg
from citystat.meetings import hooks
from citystat.meetings.agenda import follow_ups_to_review
from citystat.meetings.hooks import AgendaQuestion
from citystat.meetings.models import AgendaItem, BriefingCopy, FollowUp, Meeting
from citystat.meetings.zones import zone_label
from citystat.plan import display, revision
from citystat.plan.charts import measure_chart
from citystat.plan.models import Goal, Measure, Narrative, Strategy
from citystat.plan.status import MeasureStatus, status_for
from citystat.plan.templatetags.plan_periods import period_name
from citystat.surveys.models import ServiceProfile
from citystat.surveys.reports import service_profile_evidence

logger = logging.getLogger(__name__)


@dataclass
class BriefingMeasure:
    measure: Measure
    judged: MeasureStatus
    value_text: str
    target_text: str
    chart_svg: SafeString | None
    narrative: Narrative | None
    strategies: list[Strategy]
    # In the PDF the chart is an image the URL fetcher hands WeasyPrint (pdf_charts).
    chart_src: str = ""


@dataclass
class ServiceSummary:
    title: str
    url: str
    rows: list[tuple[str, str]]


@dataclass
class BriefingBook:
    meeting: Meeting
    generated_at: dt.datetime
    agenda: list[AgendaItem]
    goals: list[tuple[Goal, list[BriefingMeasure]]]
    follow_ups: list[FollowUp]
    reviewed: list[FollowUp]
    questions: list[AgendaQuestion]
    services: list[ServiceSummary] = field(default_factory=list)


def measure_chart_svg(measure: Measure) -> SafeString | None:
    """Return the measure's chart drawn on the server, or None when it cannot be drawn."""
    try:
        # The chart's accessible name is read in the reader's language, like its caption.
        title = gettext("%(title)s over time, against its target") % {
            "title": localized(measure, "title").text
        }
        svg = inline_svg(measure_chart(measure), title)
    except (ChartError, ValueError) as error:
        logger.warning("briefing chart for %s failed: %s", measure.slug, error)
        return None
    return mark_safe(svg)  # noqa: S308 (vl-convert escapes the spec's text into the SVG)


def briefing_measure(measure: Measure, today: dt.date | None, charts: bool) -> BriefingMeasure:
    judged = status_for(measure, today=today)
    value = judged.value.value if judged.value else None
    target = judged.target.value if judged.target else None
    period = f" ({period_name(judged.value.period)})" if judged.value else ""
    narrative = measure.narratives.approved().order_by("-period").first()
    return BriefingMeasure(
        measure=measure,
        judged=judged,
        value_text=display.value_text(value, measure.unit) + period,
        target_text=display.target_text(target, measure.unit),
        chart_svg=measure_chart_svg(measure) if charts else None,
        narrative=narrative,
        strategies=list(measure.strategies.all()),
    )


def agenda_measures(meeting: Meeting) -> list[Measure]:
    """Return the public measures on the agenda, or all of the area's when it has none."""
    items = meeting.agenda_items.filter(measure__isnull=False).select_related("measure")
    measures = [item.measure for item in items if item.measure and item.measure.is_public]
    if not measures and meeting.priority_area_id:
        measures = list(
            Measure.objects.filter(
                objective__goal__priority_area=meeting.priority_area_id, is_public=True
            )
        )
    unique: dict[int, Measure] = {}
    for measure in measures:
        unique.setdefault(measure.pk, measure)
    return list(unique.values())


def service_summaries(meeting: Meeting) -> list[ServiceSummary]:
    """Return the summary table of each service profile of the area's departments."""
    if meeting.priority_area_id is None:
        return []
    departments = set(
        Measure.objects.filter(
            objective__goal__priority_area=meeting.priority_area_id, department__isnull=False
        ).values_list("department__name", flat=True)
    )
    summaries = []
    for service in ServiceProfile.objects.all():
        if service.definition.get("department") not in departments:
            continue
        try:
            evidence = service_profile_evidence(service)
        except Exception as error:  # a missing dataset must not sink the whole briefing
            logger.warning("service profile %s unavailable: %s", service.slug, error)
            continue
        summaries.append(
            ServiceSummary(service.title, f"/services/{service.slug}/", evidence_rows(evidence))
        )
    return summaries


def evidence_rows(evidence: Any) -> list[tuple[str, str]]:
    """Return the latest figure of each series the service profile has, labelled."""
    rows: list[tuple[str, str]] = []

    def latest(series: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
        known = [row for row in series if row.get(key) is not None]
        return known[-1] if known else None

    if row := latest(evidence.satisfaction, "satisfied"):
        label = gettext("Residents satisfied (%(wave)s)") % {"wave": row["wave"]}
        rows.append((label, display.fraction(row["satisfied"])))
    if row := latest(evidence.importance, "importance"):
        label = gettext("Named among top priorities (%(wave)s)") % {"wave": row["wave"]}
        rows.append((label, display.fraction(row["importance"])))
    if row := latest(evidence.requests_by_month, "requests"):
        month = period_name(row["month"][:7])
        label = gettext("311 requests (%(month)s)") % {"month": month}
        rows.append((label, display.value_text(row["requests"], "count")))
        if row.get("median_days") is not None:
            rows.append(
                (gettext("Median time to close"), display.value_text(row["median_days"], "days"))
            )
        if row.get("within_timeframe") is not None:
            label = gettext("Closed within the service level")
            rows.append((label, display.fraction(row["within_timeframe"])))
    if row := latest(evidence.staffing_by_month, "vacancy_rate"):
        label = gettext("Positions vacant (%(month)s)") % {"month": period_name(row["month"][:7])}
        rows.append((label, display.fraction(row["vacancy_rate"])))
    if row := latest(evidence.engagement_by_wave, "engaged"):
        label = gettext("Employees engaged (%(wave)s)") % {"wave": row["wave"]}
        rows.append((label, display.fraction(row["engaged"])))
    if row := latest(evidence.spending_by_year, "actual"):
        label = gettext("Actual spending (%(year)s)") % {"year": row["fiscal_year"]}
        rows.append((label, display.value_text(row["actual"], "dollars")))
    return rows


def briefing_book(
    meeting: Meeting, *, today: dt.date | None = None, charts: bool = True
) -> BriefingBook:
    """Gather the meeting's briefing: agenda, measures by goal, follow-ups, questions."""
    measures = agenda_measures(meeting)
    by_goal: dict[int, tuple[Goal, list[BriefingMeasure]]] = {}
    for measure in (
        Measure.objects.filter(pk__in=[m.pk for m in measures])
        .select_related("objective__goal", "department")
        .prefetch_related("targets", "strategies")
    ):
        goal = measure.objective.goal
        by_goal.setdefault(goal.pk, (goal, []))[1].append(briefing_measure(measure, today, charts))
    order = {measure.pk: index for index, measure in enumerate(measures)}
    goals = sorted(by_goal.values(), key=lambda pair: min(order[m.measure.pk] for m in pair[1]))
    for _, goal_measures in goals:
        goal_measures.sort(key=lambda item: order[item.measure.pk])
    agenda = [
        item
        for item in meeting.agenda_items.select_related("measure")
        if item.measure is None or item.measure.is_public
    ]
    return BriefingBook(
        meeting=meeting,
        generated_at=timezone.now(),
        agenda=agenda,
        goals=goals,
        follow_ups=list(meeting.follow_ups.select_related("department", "measure")),
        reviewed=follow_ups_to_review(meeting, today),
        questions=hooks.questions_for(meeting),
        services=service_summaries(meeting),
    )


def briefing_css() -> str:
    """Return the briefing stylesheet's text, inlined into the PDF's HTML.

    WeasyPrint would otherwise fetch /static/… over HTTP from the site it is running in.
    """
    path = finders.find("css/briefing.css")
    return Path(str(path)).read_text(encoding="utf-8") if path else ""


def render_briefing_html(
    book: BriefingBook, *, for_pdf: bool = False, request: HttpRequest | None = None
) -> str:
    context = {
        "book": book,
        "for_pdf": for_pdf,
        "briefing_css": briefing_css() if for_pdf else "",
        "zone_label": zone_label(book.meeting.time_zone),
    }
    return render_to_string("meetings/briefing.html", context, request=request)


def briefing_revision() -> str:
    """Return the stamps a briefing is made under: the plan's and the meetings'.

    Either changing makes every stored book stale (plan/revision.py says what bumps
    them): a book is made again when next asked for, never served from before a change.
    """
    return revision.stamps_now([revision.PLAN, "meetings"])


def stored_copy(meeting: Meeting, language: str | None = None) -> BriefingCopy | None:
    """Return the stored PDF of the meeting's briefing in `language` (the active one)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return BriefingCopy.objects.filter(meeting=meeting, language=language).first()


def briefing_is_stale(meeting: Meeting, language: str | None = None) -> bool:
    """Say whether the briefing in `language` is missing or older than what it shows."""
    copy = stored_copy(meeting, language)
    if copy is None:
        return True
    return copy.revision != briefing_revision()


def briefing_pdf(meeting: Meeting, base_url: str, language: str | None = None) -> bytes:
    """Return the meeting's briefing PDF in `language`, making and storing it when stale.

    The whole book is drawn in that language: the template's words, the dates, the status
    labels, the charts' axes and the page footer.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    copy = stored_copy(meeting, language)
    if copy is not None and not briefing_is_stale(meeting, language):
        return bytes(copy.pdf)
    # WeasyPrint takes seconds to import; the URLs load this module, so it loads on the
    # first book drawn.
    from weasyprint import HTML  # noqa: PLC0415

    made_under = briefing_revision()  # before reading: a change while drawing makes it stale
    with translation.override(language):
        book = briefing_book(meeting)
        fetcher = pdf_charts(book)
        html = render_briefing_html(book, for_pdf=True)
        pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
    BriefingCopy.objects.update_or_create(
        meeting=meeting,
        language=language,
        defaults={"pdf": pdf, "generated_at": timezone.now(), "revision": made_under},
    )
    return pdf


CHART_SCHEME = "citystat-chart:"


def pdf_charts(book: BriefingBook) -> Any:
    """Point the book's charts at images WeasyPrint fetches from memory; return the fetcher.

    Inline in the HTML, each chart's thousands of SVG elements went through the HTML
    parser; as an image WeasyPrint reads the same (already drawn, cached) SVG with an XML
    parser, which takes a fraction of the time (benchmarks/briefing.py).
    """
    # WeasyPrint loads on the first book drawn, not with the URLs (as above).
    from weasyprint import default_url_fetcher  # noqa: PLC0415

    images: dict[str, bytes] = {}
    for _, measures in book.goals:
        for item in measures:
            if item.chart_svg:
                name = f"{CHART_SCHEME}measure-{item.measure.pk}.svg"
                images[name] = str(item.chart_svg).encode("utf-8")
                item.chart_src = name

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if url.startswith(CHART_SCHEME):
            if url not in images:
                raise ValueError(f"No chart {url} in this briefing book.")
            return {"string": images[url], "mime_type": "image/svg+xml"}
        return dict(default_url_fetcher(url, *args, **kwargs))

    return fetch


def site_languages() -> list[str]:
    """Return the languages the city publishes in (its profile), the site's default first."""
    offered = {code for code, _ in settings.LANGUAGES}
    chosen = [code for code in (CityProfile.current().languages or []) if code in offered]
    return list(dict.fromkeys([settings.LANGUAGE_CODE, *chosen]))


def build_briefings(meeting: Meeting, base_url: str) -> list[str]:
    """Make the meeting's stale briefing PDFs, one per site language; return those made."""
    made = []
    for language in site_languages():
        if briefing_is_stale(meeting, language):
            briefing_pdf(meeting, base_url, language)
            made.append(language)
    return made


def briefings_to_prepare(now: dt.datetime | None = None) -> list[Meeting]:
    """Return the meetings ahead whose agendas are published: their books are kept ready."""
    now = now or timezone.now()
    return list(
        Meeting.objects.filter(agenda_published_at__isnull=False, ends_at__gt=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("priority_area")
        .order_by("starts_at")
    )


def prepare_briefing(meeting_id: int, base_url: str) -> list[str]:
    """The job run when an agenda is published: make its briefing books, once at a time.

    Runs under the jobs app's lock (one node builds a meeting's books; a second start
    steps aside), and the run is recorded as a JobRun named briefing-<meeting id>.
    """
    try:
        with single_run(f"briefing-{meeting_id}"):
            meeting = Meeting.objects.filter(pk=meeting_id).first()
            if meeting is None or not meeting.agenda_is_published:
                return []
            return build_briefings(meeting, base_url)
    except JobAlreadyRunning:
        return []


def prepare_in_background(meeting_id: int) -> None:
    """Start the briefing job for a just-published agenda, so no one waits for the PDF.

    A daemon thread in this process; `citystat meetings briefings` (a timer) makes any
    book a restart cut short. CITYSTAT_BRIEFING_IN_BACKGROUND=false leaves it all to it.
    """
    if not getattr(settings, "CITYSTAT_BRIEFING_IN_BACKGROUND", True):
        return
    base_url = getattr(settings, "CITYSTAT_SITE_URL", "") or "http://localhost/"

    def run() -> None:
        try:
            prepare_briefing(meeting_id, base_url)
        except Exception:  # a failed build is recorded in its JobRun; the page makes it later
            logger.exception("briefing for meeting %s failed", meeting_id)
        finally:
            close_old_connections()

    Thread(target=run, name=f"briefing-{meeting_id}", daemon=True).start()
