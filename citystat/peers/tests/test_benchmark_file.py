"""Benchmark files (`measure,period,value,source,notes`), the CLI and the public pages."""

from __future__ import annotations

import datetime as dt
import html
import io
import json

import pytest
from django.core.management import CommandError, call_command

from citystat.catalog.refresh import run_loop
from citystat.peers.models import Peer, PeerValue
from citystat.peers.refresh import refresh_peer
from citystat.peers.register import add_peer, link_peer
from citystat.peers.sources import PeerError
from citystat.plan.models import Measure, MeasureValue, Target

from .conftest import add_measure

GOOD = """measure,period,value,source,notes
satisfied-streets,FY2024,61.0,https://example.org/survey-2024,Synthetic national average
satisfied-streets,FY2025,58.5,https://example.org/survey-2025,Synthetic national average
"""


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("peers", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def streets(city):
    measure = add_measure("satisfied-streets", {}, unit="percent", title="Satisfied with streets")
    for year, value in ((2024, 55.0), (2025, 60.0)):
        MeasureValue.objects.create(
            measure=measure,
            period=f"FY{year}",
            period_start=dt.date(year - 1, 5, 1),
            period_end=dt.date(year, 4, 30),
            value=value,
            origin="manual",
            source_note="survey",
        )
    Target.objects.create(measure=measure, fiscal_year=2025, value=65.0)
    return measure


@pytest.fixture
def benchmark(tmp_path):
    path = tmp_path / "benchmarks.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_a_linked_benchmark_figure_shows_beside_the_measure_with_its_source(
    streets, benchmark, client
):
    peer = add_peer(
        "National average", "file", str(benchmark), is_public=True, fiscal_year_start_month=5
    )
    link_peer(peer.slug, streets.slug, note="All residents nationally; ours is one city.")
    assert refresh_peer(peer).failed == {}
    page = client.get("/compare/satisfied-streets/panel/").content.decode()
    assert "58.5%" in page and "60.0%" in page
    assert 'href="https://example.org/survey-2025"' in page
    assert "All residents nationally" in page
    assert "ranks 1 of 2" in page
    spec = json.loads(html.unescape(page.split('id="chart-spec-peers">')[1].split("</div>")[0]))
    assert spec["layer"][1]["data"]["values"] == [{"target": 65.0}]
    assert {row["value"] for row in spec["layer"][0]["data"]["values"]} == {60.0, 58.5}


def test_an_unlinked_benchmark_is_not_shown(streets, benchmark, client):
    peer = add_peer("National average", "file", str(benchmark), is_public=True)
    refresh_peer(peer)
    assert PeerValue.objects.count() == 2
    assert (
        "No peer city has a comparable figure"
        in client.get("/compare/satisfied-streets/panel/").content.decode()
    )


def test_a_peer_staff_did_not_publish_stays_off_the_public_pages(streets, benchmark, client):
    peer = add_peer("National average", "file", str(benchmark))
    link_peer(peer.slug, streets.slug, note="Nationally.")
    refresh_peer(peer)
    assert (
        "National average" not in client.get("/compare/satisfied-streets/panel/").content.decode()
    )
    assert "National average" not in client.get("/compare/").content.decode()
    run("publish", peer.slug)
    assert "National average" in client.get("/compare/").content.decode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("potholes-typo,FY2025,1,src,", "line 3: measure 'potholes-typo' is not a measure"),
        ("satisfied-streets,2025-13,1,src,", "line 3: period: '2025-13': there is no month 13"),
        (
            "satisfied-streets,2025-W54,1,src,",
            "line 3: period: '2025-W54': ISO year 2025 has no week",
        ),
        ("satisfied-streets,FY2025,lots,src,", "line 3: value 'lots' is not a number"),
        ("satisfied-streets,FY2025,1,,", "line 3: source is empty"),
    ],
)
def test_a_bad_line_names_the_line_and_loads_nothing(streets, tmp_path, line, message):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n" + line + "\n")
    with pytest.raises(PeerError, match=message):
        add_peer("National average", "file", str(path))
    assert not Peer.objects.exists()
    peer = Peer.objects.create(slug="n", name="N", kind="file", url=str(path))
    result = refresh_peer(peer)
    assert "nothing loaded" in result.failed[""] and message.split(":")[0] in result.failed[""]
    assert not PeerValue.objects.exists()


def test_a_link_to_a_benchmark_needs_a_note(streets, benchmark):
    add_peer("National average", "file", str(benchmark))
    with pytest.raises(PeerError, match="say how they differ with --note"):
        link_peer("national-average", streets.slug)


def test_the_cli_adds_links_refreshes_and_lists_peers(streets, benchmark):
    run("add", "National average", "--kind", "file", "--url", str(benchmark), "--synthetic")
    run("link", "national-average", "satisfied-streets", "--note", "Nationally.")
    assert "national-average: 2 figure(s)" in run("refresh")
    listed = json.loads(run("list", "--json"))
    assert listed[0]["slug"] == "national-average"
    assert listed[0]["state"] == "ok" and listed[0]["figures"] == 2
    assert listed[0]["links"] == ["satisfied-streets"] and listed[0]["synthetic"] is True
    assert listed[0]["public"] is False


def test_the_cli_names_a_missing_mapping(streets, benchmark):
    with pytest.raises(CommandError, match="--map 'created_date': write our_field=Their Column"):
        run("add", "X", "--kind", "soda", "--url", "http://x", "--map", "created_date")


def test_refresh_by_schedule_skips_peers_not_due(streets, benchmark):
    peer = add_peer("National average", "file", str(benchmark), schedule="daily")
    assert "1" and run("refresh", "--due").count("figure(s)") == 1
    assert run("refresh", "--due").count("figure(s)") == 0
    peer.refresh_from_db()
    assert peer.state == Peer.State.OK


def test_the_compare_page_ranks_where_we_stand_best_first(streets, benchmark, client):
    worse = add_measure("pothole-days", {}, unit="days", direction="lower", title="Days to fill")
    MeasureValue.objects.create(
        measure=worse,
        period="FY2025",
        period_start=dt.date(2024, 5, 1),
        period_end=dt.date(2025, 4, 30),
        value=9.0,
        origin="manual",
        source_note="x",
    )
    path = benchmark.parent / "more.csv"
    path.write_text(GOOD + "pothole-days,FY2025,4.0,Annual report,Synthetic\n")
    peer = add_peer("Benchmarks", "file", str(path), is_public=True)
    link_peer(peer.slug, "satisfied-streets", note="n")
    link_peer(peer.slug, "pothole-days", note="n")
    refresh_peer(peer)
    page = client.get("/compare/").content.decode()
    assert page.index("Satisfied with streets") < page.index("Days to fill")
    assert Measure.objects.count() == 2


def test_a_figure_dropped_from_the_file_is_dropped_at_the_next_reading(streets, benchmark):
    peer = add_peer("National average", "file", str(benchmark))
    refresh_peer(peer)
    benchmark.write_text("\n".join(GOOD.splitlines()[:2]) + "\n")
    refresh_peer(peer)
    assert list(PeerValue.objects.values_list("period", flat=True)) == ["FY2024"]


def test_the_refresh_loop_refreshes_due_peers_each_round(streets, benchmark):
    peer = add_peer("National average", "file", str(benchmark), schedule="daily")
    run_loop(0, report=lambda result: None, rounds=1)
    peer.refresh_from_db()
    assert peer.state == Peer.State.OK
    assert peer.values.count() > 0
