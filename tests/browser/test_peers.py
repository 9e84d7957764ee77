"""How we compare: the measure page's panel and /compare/, on a desktop and a phone, in
English and Spanish, with a peer whose latest reading failed and a measure with none."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from citystat.city.models import CityProfile
from citystat.peers.models import Peer
from citystat.peers.refresh import refresh_peer
from citystat.peers.register import add_peer, link_peer
from citystat.peers.tests.conftest import add_measure
from citystat.plan.models import MeasureValue, Target

pytestmark = pytest.mark.browser
SIZES = [(1280, 900), (390, 844)]
BENCHMARK = """measure,period,value,source,notes
satisfied-streets,FY2025,58.5,https://example.org/survey-2025,Synthetic national average
"""
STALE = """measure,period,value,source,notes
satisfied-streets,FY2025,63.0,https://example.org/region-2025,Synthetic regional average
"""


@pytest.fixture
def compared(transactional_db, tmp_path):
    CityProfile.objects.create(
        name="Our City",
        fiscal_year_start_month=5,
        fiscal_year_start_day=1,
        population=10_000,
        languages=["en", "es"],
    )
    measure = add_measure("satisfied-streets", {}, unit="percent", title="Satisfied with streets")
    add_measure("no-peers", {}, title="Measure without peers")
    for year, value in ((2024, 55.0), (2025, 60.0)):
        MeasureValue.objects.create(
            measure=measure,
            period=f"FY{year}",
            period_start=dt.date(year - 1, 5, 1),
            period_end=dt.date(year, 4, 30),
            value=value,
            origin="manual",
            source_note="s",
        )
    Target.objects.create(measure=measure, fiscal_year=2025, value=65.0)
    national = tmp_path / "national.csv"
    national.write_text(BENCHMARK)
    peer = add_peer("National survey", "file", str(national), is_public=True, is_synthetic=True)
    link_peer(peer.slug, measure.slug, note="All residents nationally.")
    refresh_peer(peer)
    regional = tmp_path / "regional.csv"
    regional.write_text(STALE)
    stale = add_peer("Regional survey", "file", str(regional), is_public=True, is_synthetic=True)
    link_peer(stale.slug, measure.slug, note="Residents of the region.")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        refresh_peer(stale)
    regional.unlink()  # the next reading fails: the panel keeps the last good figure
    refresh_peer(stale)
    assert Peer.objects.get(slug="regional-survey").state == Peer.State.FAILED
    hidden = tmp_path / "hidden.csv"
    hidden.write_text(BENCHMARK.replace("58.5", "70.0"))
    secret = add_peer("Unpublished peer", "file", str(hidden))
    link_peer(secret.slug, measure.slug, note="n")
    refresh_peer(secret)
    return measure


def fits(page, width: int) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"the page is {overflow}px wide on a {width}px screen"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_measure_page_loads_the_panel_with_chart_table_and_stale_peer(
    compared, live_server, browser, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/measures/satisfied-streets/")
    panel = page.locator("#how-we-compare")
    panel.wait_for()
    assert panel.locator("h2").inner_text() == "How we compare"
    rows = panel.locator("#peer-table tbody tr").all_inner_texts()
    assert any("Our City" in row and "60.0%" in row for row in rows)
    assert any("National survey" in row and "synthetic" in row and "58.5%" in row for row in rows)
    assert any("Regional survey" in row and "63.0%" in row for row in rows)
    assert "Unpublished peer" not in panel.inner_text()
    assert "read on 2 Mar 2026" in panel.locator(".peer-stale").inner_text()
    assert "ranks 2 of 3" in panel.inner_text()
    page.wait_for_function(
        "() => document.querySelectorAll('#how-we-compare .chart.vega-embed svg').length"
    )
    fits(page, width)
    context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_compare_page_in_spanish_ranks_the_measures(
    compared, live_server, browser, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/compare/")
    assert page.locator("h1").inner_text() == "Cómo nos comparamos"
    table = page.locator("#compare-table")
    assert "Satisfied with streets" in table.inner_text()
    assert "2 de 3" in table.inner_text()
    assert "sintética" in table.inner_text()
    assert "Measure without peers" not in table.inner_text()
    fits(page, width)
    page.locator("#compare-table a").first.click()
    page.locator("#how-we-compare").wait_for()
    assert "Cómo nos comparamos" in page.locator("#how-we-compare h2").inner_text()
    assert "leídas el 2 Mar 2026" in page.locator(".peer-stale").inner_text().replace("mar", "Mar")
    fits(page, width)
    context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_measure_without_peers_and_an_unknown_one_say_so(
    compared, live_server, browser, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/measures/no-peers/")
    panel = page.locator("#how-we-compare")
    panel.wait_for(state="attached")
    assert "Ninguna ciudad par tiene todavía una cifra comparable" in (panel.text_content() or "")
    answer = page.goto(live_server.url + "/compare/not-a-measure/")
    assert answer is not None and answer.status == 404
    fits(page, width)
    context.close()
