"""Time a meeting's briefing book: HTML, HTML with server-drawn charts, PDF, stored PDF.

    .venv/bin/python benchmarks/briefing.py
    .venv/bin/python benchmarks/briefing.py --measures 24 --months 48 --runs 3

Builds, in a throwaway CITYSTAT_HOME (SQLite), one priority area with --measures monthly
measures of --months values each, a meeting on it with its drafted agenda and a few
follow-ups, then times in this one process:
(a) baseline: the briefing HTML without charts (gathering the plan data and rendering);
(b) the briefing HTML with every measure's chart drawn by vl-convert, first with an empty
    chart cache, then with a warm one (the cache a busy site would have);
(c) making the PDF with WeasyPrint, cold (no chart drawn yet: the first book of a
    meeting, target under 5 s) and with the charts already drawn (a stale book again);
(d) serving the stored PDF (what every later request costs).
The best of --runs counts for each. Prints seconds and each ratio to (a).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from results import record

ROOT = Path(__file__).resolve().parents[1]


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def build(measure_count: int, months: int):  # type: ignore[no-untyped-def]
    """Create the plan, values, meeting and follow-ups; return the meeting."""
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.

    from citystat.city.models import CityProfile, Department  # noqa: PLC0415
    from citystat.meetings.agenda import draft_agenda  # noqa: PLC0415
    from citystat.meetings.models import FollowUp, Meeting  # noqa: PLC0415
    from citystat.plan.testing import build_history_plan  # noqa: PLC0415

    CityProfile.objects.create(name="Bench City", languages=["en"], time_zone="America/Chicago")
    works = Department.objects.create(code="works", name="Public Works")
    today = timezone.localdate()
    built = build_history_plan(
        measures=measure_count,
        months=months,
        goals=max(1, measure_count // 4),
        last_fiscal_year=2030,
        today=today,
        department=works,
    )
    area = built.areas["infrastructure"]
    starts = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        title="Bench", starts_at=starts, ends_at=starts + dt.timedelta(hours=1), priority_area=area
    )
    for number in range(5):
        FollowUp.objects.create(
            meeting=meeting, text=f"Promise {number}", department=works,
            due_on=today + dt.timedelta(days=number * 7),
        )  # fmt: skip
    draft_agenda(meeting)
    return meeting


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=12)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="citystat-briefing-bench-"))
    os.environ["CITYSTAT_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    sys.path.insert(0, str(ROOT))

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.meetings.briefing import briefing_book, briefing_pdf, render_briefing_html  # noqa: PLC0415
    from citystat.meetings.models import BriefingCopy, Meeting  # noqa: PLC0415

    call_command("migrate", verbosity=0, interactive=False)
    meeting = build(options.measures, options.months)

    def html(charts: bool) -> str:
        return render_briefing_html(briefing_book(meeting, charts=charts))

    def cold_charts() -> str:
        cache.clear()
        return html(True)

    def make_pdf() -> bytes:
        BriefingCopy.objects.filter(meeting=meeting).delete()
        return briefing_pdf(meeting, base_url="http://localhost/", language="en")

    def cold_pdf() -> bytes:
        cache.clear()
        return make_pdf()

    def stored_pdf() -> bytes:
        return briefing_pdf(
            Meeting.objects.get(pk=meeting.pk), base_url="http://localhost/", language="en"
        )

    html(True)  # import vl-convert and WeasyPrint once, outside the timings
    baseline = best_of(options.runs, lambda: html(False))
    cold = best_of(options.runs, cold_charts)
    warm = best_of(options.runs, lambda: html(True))
    cold_book = best_of(options.runs, cold_pdf)
    pdf = best_of(options.runs, make_pdf)
    stored = best_of(options.runs, stored_pdf)
    size = len(BriefingCopy.objects.get(meeting=meeting, language="en").pdf)
    print(f"{options.measures} measures × {options.months} months, best of {options.runs}")
    print(f"(a) HTML, no charts (baseline)   {baseline:8.3f} s")
    for label, seconds in [
        ("(b) HTML, charts, cold cache   ", cold),
        ("(b) HTML, charts, warm cache   ", warm),
        ("(c) PDF made, cold chart cache ", cold_book),
        ("(c) PDF made, warm chart cache ", pdf),
        ("(d) stored PDF served          ", stored),
    ]:
        print(f"{label}  {seconds:8.3f} s   {seconds / baseline:6.1f} × (a)")
    print(f"PDF size: {size / 1024:.0f} KiB")
    size_label = f"{options.measures} measures × {options.months} months"
    for figure, seconds in [
        ("briefing HTML with charts, cold chart cache", cold),
        ("briefing HTML with charts, warm chart cache", warm),
        ("briefing PDF made cold (no chart drawn yet)", cold_book),
        ("briefing PDF made with WeasyPrint", pdf),
        ("briefing PDF served once stored", stored),
    ]:
        record(
            f"{figure} ({size_label})",
            seconds,
            "s",
            baseline=baseline,
            baseline_label="briefing HTML without charts",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
