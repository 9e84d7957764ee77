"""The briefing book: HTML for print, and a stored PDF read back with pdftotext."""

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from citystat.accounts.testing import signed_in
from citystat.jobs.models import JobRun
from citystat.meetings import briefing
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.briefing import briefing_pdf, evidence_rows
from citystat.meetings.models import BriefingCopy, FollowUp, Meeting
from citystat.meetings.views import briefing as views
from citystat.plan.models import Measure, Narrative, Strategy
from citystat.surveys.evidence import ServiceEvidence
from citystat.surveys.models import ServiceProfile


@pytest.fixture
def meeting(areas, plan_measures, departments, bob):
    starts = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        title="KCStat", starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
        priority_area=areas[0],
    )  # fmt: skip
    leaks = plan_measures["leaks"]
    Narrative.objects.create(
        measure=leaks, period="2026-01", context="Two crews were out sick.", state="approved"
    )
    strategy = Strategy.objects.create(goal=leaks.objective.goal, title="Leak detection pilot")
    strategy.measures.add(leaks)
    FollowUp.objects.create(
        meeting=meeting, text="Map every leak", department=departments["water"], owner=bob,
        due_on=timezone.localdate() + dt.timedelta(days=9),
    )  # fmt: skip
    draft_agenda(meeting)
    return meeting


def generated_at(meeting: Meeting, language: str = "en") -> dt.datetime:
    return BriefingCopy.objects.get(meeting=meeting, language=language).generated_at


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_the_pdf_holds_each_agenda_measures_name_value_and_target(alice, meeting, tmp_path):
    response = signed_in(alice).get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for title, value in [
        ("Leaks fixed in a week", "61.5%"),
        ("Main breaks fixed in a day", "84.0%"),
        ("Potholes filled on time", "96.0%"),
    ]:
        # The measures table: one line with the name, the value and the target.
        rows = [line for line in text.splitlines() if title in line and "%" in line]
        assert any(value in row and "90.0%" in row for row in rows), (title, rows)
    assert "Crew overtime" not in text
    assert "Two crews were out sick." in text
    assert "Leak detection pilot" in text
    assert "Map every leak" in text


@pytest.mark.slow
def test_the_pdf_is_stored_and_made_again_only_after_a_change(alice, meeting):
    client = signed_in(alice)
    first = client.get(f"/meetings/{meeting.pk}/briefing.pdf").content
    stored_at = generated_at(meeting)
    assert client.get(f"/meetings/{meeting.pk}/briefing.pdf").content == first
    assert generated_at(meeting) == stored_at
    FollowUp.objects.update(text="Map every leak by district")
    FollowUp.objects.get().save()
    client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert generated_at(meeting) > stored_at


def test_the_html_briefing_has_charts_drawn_on_the_server(alice, meeting):
    body = signed_in(alice).get(f"/meetings/{meeting.pk}/briefing/").content.decode()
    assert (
        '<svg role="img" aria-label="Leaks fixed in a week over time, against its target"' in body
    )
    assert 'href="/static/css/briefing.css"' in body


def test_the_spanish_briefing_names_its_charts_in_spanish(alice, meeting):
    client = signed_in(alice)
    body = client.get(f"/meetings/{meeting.pk}/briefing/", HTTP_ACCEPT_LANGUAGE="es").content
    assert (
        '<svg role="img" aria-label="Leaks fixed in a week a lo largo del tiempo, frente a su meta"'
        in body.decode()
    )
    assert "over time, against its target" not in body.decode()


def test_residents_read_the_briefing_once_the_agenda_is_public(client, meeting):
    assert client.get(f"/meetings/{meeting.pk}/briefing/").status_code == 404
    publish_agenda(meeting)
    assert client.get(f"/meetings/{meeting.pk}/briefing/").status_code == 200


def test_the_briefing_lists_the_service_profiles_of_the_areas_departments(alice, meeting):
    ServiceProfile.objects.create(
        slug="water", title="Water service", definition={"department": "Water Services"}
    )
    ServiceProfile.objects.create(
        slug="parks", title="Parks upkeep", definition={"department": "Parks"}
    )
    body = signed_in(alice).get(f"/meetings/{meeting.pk}/briefing/").content.decode()
    assert '<a href="/services/water/">Water service</a>' in body
    assert "Parks upkeep" not in body


def test_a_service_profile_summary_gives_the_latest_figure_of_each_series():
    evidence = ServiceEvidence(
        satisfaction=[{"wave": "2024", "satisfied": 0.5}, {"wave": "2025", "satisfied": 0.62}],
        requests_by_month=[
            {"month": "2025-03-01", "requests": 1200, "median_days": 4.25, "within_timeframe": 0.8}
        ],
        staffing_by_month=[{"month": "2025-03-01", "vacancy_rate": 0.12}],
    )
    assert evidence_rows(evidence) == [
        ("Residents satisfied (2025)", "62%"),
        ("311 requests (March 2025)", "1,200"),
        ("Median time to close", "4.2 days"),
        ("Closed within the service level", "80%"),
        ("Positions vacant (March 2025)", "12%"),
    ]
    # The Spanish briefing reads Spanish words, separators and month names (#20).
    with translation.override("es"):
        assert evidence_rows(evidence) == [
            ("Residentes satisfechos (2025)", "62\u00a0%"),
            ("Solicitudes al 311 (marzo de 2025)", "1.200"),
            ("Tiempo mediano de cierre", "4,2 días"),
            ("Cerradas dentro del nivel de servicio", "80\u00a0%"),
            ("Puestos vacantes (marzo de 2025)", "12\u00a0%"),
        ]


@pytest.mark.slow
def test_a_visitor_may_make_only_a_few_pdfs_then_gets_the_stored_copy(alice, meeting, monkeypatch):
    monkeypatch.setattr(views, "PDF_RENDERS_PER_HOUR", 1)
    client = signed_in(alice)
    first = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    stored_at = generated_at(meeting)
    FollowUp.objects.get().save()  # the stored copy is now stale
    second = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert second.status_code == 200 and second.content == first.content
    assert generated_at(meeting) == stored_at
    BriefingCopy.objects.filter(meeting=meeting).delete()
    third = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert third.status_code == 429 and int(third["Retry-After"]) > 0


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """Return the PDF's text page by page (pdftotext ends each page with a form feed)."""
    return pdf_text(pdf, tmp_path).split("\f")[:-1]


@pytest.fixture
def long_follow_ups(meeting, departments, bob):
    """Sixty follow-ups whose text wraps over several lines: the table runs over pages."""
    due = timezone.localdate() + dt.timedelta(days=20)
    for number in range(60):
        FollowUp.objects.create(
            meeting=meeting, department=departments["water"], owner=bob, due_on=due,
            text=f"BEGIN{number:02d} " + "inspect the valves on the block and report back " * 3
            + f"END{number:02d}",
        )  # fmt: skip
    return meeting


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_no_follow_up_row_is_split_across_pages_and_headers_repeat(long_follow_ups, tmp_path):
    pages = pdf_pages(briefing_pdf(long_follow_ups, "http://localhost/", "en"), tmp_path)
    holding = [page for page in pages if "BEGIN" in page or "END" in page]
    assert len(holding) >= 2  # the table does run over pages
    for number in range(60):
        begin = [i for i, page in enumerate(pages) if f"BEGIN{number:02d}" in page]
        end = [i for i, page in enumerate(pages) if f"END{number:02d}" in page]
        assert len(begin) == 1 and begin == end, (number, begin, end)
    for page in holding:
        # Every page the table reaches starts it with the header row again.
        assert re.search(r"Follow-up\s+Department\s+Due\s+Status", page), page[:400]


ENGLISH_UI = re.compile(
    r"\b(Briefing|Agenda|Measures?|Target|Status|Follow-ups?|Goal|Latest value|Page|"
    r"Welcome|Prepared|questions|Overdue|Open|On track|Off track|Needs attention|Due|"
    r"Department|Central Time|January|February|March|April|May|June|July|August|"
    r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_the_spanish_book_is_all_spanish(meeting, city, departments, bob, tmp_path):
    earlier = Meeting.objects.create(
        title="KCStat", starts_at=meeting.starts_at - dt.timedelta(days=40),
        ends_at=meeting.starts_at - dt.timedelta(days=40, hours=-2),
        priority_area=meeting.priority_area, status=Meeting.Status.HELD,
    )  # fmt: skip
    FollowUp.objects.create(
        meeting=earlier, text="Mapear cada fuga", department=departments["water"], owner=bob,
        due_on=timezone.localdate() - dt.timedelta(days=4),
    )  # fmt: skip
    draft_agenda(meeting)
    text = pdf_text(briefing_pdf(meeting, "http://localhost/", "es"), tmp_path)
    # The plan's own words (titles, definitions, department names) stay as the city wrote
    # them; every word the book itself adds is Spanish.
    data = [
        "KCStat", "Infrastructure", "Good roads", "Clean water", "Potholes filled on time",
        "Main breaks fixed in a day", "Leaks fixed in a week", "Water Services",
        "Public Works", "Two crews were out sick.", "Leak detection pilot", "Map every leak",
    ]  # fmt: skip
    wording = text
    for words in data:
        wording = wording.replace(words, "")
    wording = re.sub(r"Share of [a-z-]+ on time\.", "", wording)
    assert not ENGLISH_UI.findall(wording), ENGLISH_UI.findall(wording)
    for spanish in ["Orden del día", "Bienvenida y propósito", "Revisión de seguimiento",
                    "Página 1 de", "hora central"]:  # fmt: skip
        assert spanish in text, spanish
    english = pdf_text(briefing_pdf(meeting, "http://localhost/", "en"), tmp_path)
    assert "Page 1 of" in english and "Welcome and purpose" in english
    assert set(BriefingCopy.objects.values_list("language", flat=True)) == {"en", "es"}


class RunAtOnce:
    """Stands in for threading.Thread: the job runs when started, inside the test."""

    def __init__(self, target, **kwargs):
        self.target = target

    def start(self):
        self.target()


@pytest.mark.slow
def test_publishing_the_agenda_builds_the_books_ahead_as_a_job(
    meeting, city, settings, monkeypatch, django_capture_on_commit_callbacks
):
    city.languages = ["en", "es"]
    city.save()
    settings.CITYSTAT_BRIEFING_IN_BACKGROUND = True
    monkeypatch.setattr(briefing, "Thread", RunAtOnce)
    with django_capture_on_commit_callbacks(execute=True):
        publish_agenda(meeting)
    copies = dict(BriefingCopy.objects.values_list("language", "generated_at"))
    assert set(copies) == {"en", "es"}
    run = JobRun.objects.get(name=f"briefing-{meeting.pk}")
    assert run.status == JobRun.Status.SUCCEEDED
    # Nothing changed: the timer's catch-up makes nothing again.
    assert briefing.prepare_briefing(meeting.pk, "http://localhost/") == []
    assert dict(BriefingCopy.objects.values_list("language", "generated_at")) == copies


@pytest.mark.slow
def test_the_timer_makes_only_stale_books_of_published_agendas(meeting, city, areas):
    draft_only = Meeting.objects.create(
        title="Draft", starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        priority_area=areas[1],
    )  # fmt: skip
    draft_agenda(draft_only)
    publish_agenda(meeting)
    out = io.StringIO()
    call_command("meetings", "briefings", stdout=out)
    assert f"{meeting.pk}\tKCStat: en" in out.getvalue()
    assert not BriefingCopy.objects.filter(meeting=draft_only).exists()
    out = io.StringIO()
    call_command("meetings", "briefings", stdout=out)
    assert f"{meeting.pk}\tKCStat: up to date" in out.getvalue()


def test_the_spanish_briefing_and_agenda_read_plan_content_in_spanish(client, city, meeting):
    city.languages = ["en", "es"]
    city.save()
    leaks = Measure.objects.get(title="Leaks fixed in a week")
    leaks.translations = {"es": {"title": "Fugas reparadas en una semana"}}
    leaks.save()
    draft_agenda(meeting)
    publish_agenda(meeting)
    book = client.get(f"/meetings/{meeting.pk}/briefing/", HTTP_ACCEPT_LANGUAGE="es").content
    body = book.decode()
    assert f'<h4 id="measure-{leaks.pk}">Fugas reparadas en una semana</h4>' in body
    assert 'aria-label="Fugas reparadas en una semana a lo largo del tiempo' in body
    # A measure nobody translated: its English title, marked, never empty.
    assert (
        '<span lang="en">Main breaks fixed in a day</span> '
        '<small class="translation-fallback">(en inglés)</small>'
    ) in body
    agenda = client.get(meeting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Fugas reparadas en una semana" in agenda
