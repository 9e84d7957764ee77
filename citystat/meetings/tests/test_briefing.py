"""The briefing book: HTML for print, and a stored PDF read back with pdftotext."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone, translation

from citystat.accounts.tests.conftest import signed_in
from citystat.meetings.agenda import draft_agenda, publish_agenda
from citystat.meetings.models import FollowUp, Meeting
from citystat.plan.models import Narrative, Strategy


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
    stored_at = Meeting.objects.get(pk=meeting.pk).briefing_generated_at
    assert client.get(f"/meetings/{meeting.pk}/briefing.pdf").content == first
    assert Meeting.objects.get(pk=meeting.pk).briefing_generated_at == stored_at
    FollowUp.objects.update(text="Map every leak by district")
    FollowUp.objects.get().save()
    client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert Meeting.objects.get(pk=meeting.pk).briefing_generated_at > stored_at


def test_the_html_briefing_has_charts_drawn_on_the_server(alice, meeting):
    body = signed_in(alice).get(f"/meetings/{meeting.pk}/briefing/").content.decode()
    assert (
        '<svg role="img" aria-label="Leaks fixed in a week over time, against its target"' in body
    )
    assert 'href="/static/css/briefing.css"' in body


def test_residents_read_the_briefing_once_the_agenda_is_public(client, meeting):
    assert client.get(f"/meetings/{meeting.pk}/briefing/").status_code == 404
    publish_agenda(meeting)
    assert client.get(f"/meetings/{meeting.pk}/briefing/").status_code == 200


def test_the_briefing_lists_the_service_profiles_of_the_areas_departments(alice, meeting):
    from citystat.surveys.models import ServiceProfile

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
    from citystat.meetings.briefing import evidence_rows
    from citystat.surveys.evidence import ServiceEvidence

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
    from citystat.meetings.views import briefing as views

    monkeypatch.setattr(views, "PDF_RENDERS_PER_HOUR", 1)
    client = signed_in(alice)
    first = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    stored_at = Meeting.objects.get(pk=meeting.pk).briefing_generated_at
    FollowUp.objects.get().save()  # the stored copy is now stale
    second = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert second.status_code == 200 and second.content == first.content
    assert Meeting.objects.get(pk=meeting.pk).briefing_generated_at == stored_at
    Meeting.objects.filter(pk=meeting.pk).update(briefing_pdf=None)
    third = client.get(f"/meetings/{meeting.pk}/briefing.pdf")
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
