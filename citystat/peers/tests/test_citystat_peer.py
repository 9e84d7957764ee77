"""Another citystat site as a peer: a second server on loopback, read through its REST API.

The second city has its own home and database; its measure values are set there, read
here, and compared figure by figure. Then the same peer stops answering, or answers HTML:
the failure is recorded with the first line of what came back, and the panel keeps the
last good figures with their date.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import time_machine

from benchmarks.local_server import free_port, wait_for
from citystat.peers.models import Peer, PeerValue
from citystat.peers.refresh import refresh_peer
from citystat.peers.register import add_peer, link_peer
from citystat.plan.models import MeasureValue

from .conftest import add_measure

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = "Potholes filled in the month."
# The second city's monthly values, set in its own database.
THEIRS = {"2024-01": 410.0, "2024-02": 395.0, "2024-03": 520.0}
SETUP = textwrap.dedent(
    f"""
    import datetime as dt
    from citystat.plan.models import Plan, PriorityArea, Goal, Objective, Measure, MeasureValue
    plan = Plan.objects.create(
        slug="p", title="P", first_fiscal_year=2024, last_fiscal_year=2026, is_current=True)
    area = PriorityArea.objects.create(plan=plan, slug="a", title="A")
    goal = Goal.objects.create(priority_area=area, slug="g", title="G")
    objective = Objective.objects.create(goal=goal, title="O")
    measure = Measure.objects.create(
        objective=objective, slug="potholes-filled", title="Potholes filled",
        definition={DEFINITION!r}, unit="count", direction="higher", frequency="month")
    for label, value in {THEIRS!r}.items():
        year, month = map(int, label.split("-"))
        start = dt.date(year, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        MeasureValue.objects.create(measure=measure, period=label, period_start=start,
            period_end=end, value=value, origin="manual", source_note="count")
    """
)


def citystat(home: Path, *command: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYSTAT_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    env.pop("CITYSTAT_WAREHOUSE", None)
    return subprocess.run(
        [sys.executable, "-m", "citystat", *command], env=env, cwd=ROOT, check=True, **kwargs
    )


@pytest.fixture(scope="module")
def second_city(tmp_path_factory):
    home = tmp_path_factory.mktemp("second-city")
    citystat(home, "migrate", "-v0", capture_output=True)
    citystat(home, "shell", "-c", SETUP, capture_output=True)
    port = free_port()
    env = {**os.environ, "CITYSTAT_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "citystat", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/api/v1/measures/", seconds=90)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def ours(db, city, settings):
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    measure = add_measure("potholes", {}, definition=DEFINITION, title="Potholes filled")
    for month, value in ((1, 380.0), (2, 402.0), (3, 460.0)):
        start = dt.date(2024, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        MeasureValue.objects.create(
            measure=measure,
            period=f"2024-{month:02d}",
            period_start=start,
            period_end=end,
            value=value,
            origin="manual",
            source_note="count",
        )
    return measure


def peer_at(url: str) -> Peer:
    peer = add_peer("Second City", "citystat", url, is_public=True)
    link_peer(peer.slug, "potholes", their_measure="potholes-filled")
    return peer


@pytest.mark.slow
def test_a_second_citystat_server_is_read_as_a_peer(second_city, ours, client):
    peer = peer_at(second_city)
    result = refresh_peer(peer)
    assert result.failed == {}
    read = {v.period: v for v in PeerValue.objects.filter(peer=peer, measure=ours)}
    assert {period: v.value for period, v in read.items()} == THEIRS
    assert read["2024-03"].source_url == f"{second_city}/measures/potholes-filled/"
    page = client.get("/compare/potholes/panel/").content.decode()
    assert "Second City" in page and "520" in page
    assert "ranks 2 of 2" in page  # 460 < 520: we trail


@pytest.mark.slow
def test_an_unreachable_peer_keeps_its_last_good_figures_with_their_date(second_city, ours, client):
    peer = peer_at(second_city)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        refresh_peer(peer)
    peer.url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    peer.save()
    result = refresh_peer(peer)
    assert "ConnectionRefusedError" in result.failed["potholes"]
    peer.refresh_from_db()
    assert peer.state == Peer.State.FAILED and "potholes: " in peer.last_error
    assert PeerValue.objects.filter(peer=peer).count() == len(THEIRS)
    page = client.get("/compare/potholes/panel/").content.decode()
    assert "520" in page
    assert "its figures are the last good ones, read on 2 Mar 2026" in page


@pytest.mark.slow
def test_a_peer_answering_html_is_recorded_with_the_first_line(second_city, ours):
    peer = peer_at(f"{second_city}/not-an-api")
    result = refresh_peer(peer)
    assert result.failed["potholes"].startswith("HTTP 404 from ")
    assert result.failed["potholes"].lower().endswith(": <!doctype html>")
    assert not PeerValue.objects.exists()


@pytest.mark.slow
def test_a_measure_defined_differently_needs_a_note(second_city, ours):
    ours.definition = "Potholes reported in the month."
    ours.save()
    peer = peer_at(second_city)
    result = refresh_peer(peer)
    assert "defined differently; link it with a --note" in result.failed["potholes"]
    link_peer(peer.slug, "potholes", "potholes-filled", note="Theirs counts filled, ours reported.")
    assert refresh_peer(peer).failed == {}
