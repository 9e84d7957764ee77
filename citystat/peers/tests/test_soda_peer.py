"""A SODA peer: our own specs computed on a peer's portal with another column layout.

citystat's own SODA endpoint plays the peer's Socrata portal. The peer's rows are ours
under other column names, so every figure read from it must equal the value we compute
on our own copy, and pandas' answer worked out here from the rows.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from citystat.peers import remote
from citystat.peers.models import Peer, PeerValue
from citystat.peers.refresh import refresh_peer
from citystat.peers.register import add_peer
from citystat.peers.sources import PeerError
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue

from .conftest import COLUMN_MAP, PEER_POPULATION, POPULATION, add_measure

BASE = {"dataset": "requests", "date": "created_date"}
# slug → (spec, whether SoQL can say it)
SPECS = {
    "potholes": ({"aggregate": "count", "grain": "month", "filter": "category = 'Pothole'"}, True),
    "weekly-trash": (
        {
            "aggregate": "count",
            "grain": "week",
            "filter": "category in ('Trash', 'O''Brien Street') and not (cost > 200)",
        },
        True,
    ),
    "cost-by-year": ({"aggregate": "sum", "field": "cost", "grain": "fiscal_year"}, True),
    "mean-cost": ({"aggregate": "mean", "field": "cost", "grain": "quarter"}, True),
    "closed-share": (
        {"aggregate": "share", "condition": "closed_date is not null", "grain": "month"},
        True,
    ),
    "per-1000": ({"aggregate": "rate_per_1000", "grain": "fiscal_year"}, True),
    "leak-ratio": (
        {
            "aggregate": "ratio",
            "grain": "month",
            "numerator": {"aggregate": "count", "filter": "category = 'Water leak'"},
            "denominator": {"aggregate": "count"},
            "scale": 100,
        },
        True,
    ),
    "days-to-close": (
        {"aggregate": "mean", "field": "days_between(created_date, closed_date)", "grain": "week"},
        False,
    ),
    "median-days": (
        {
            "aggregate": "median",
            "field": "days_between(created_date, closed_date)",
            "grain": "month",
        },
        False,
    ),
    "closed-in-3-days": (
        {
            "aggregate": "share",
            "condition": "days_between(created_date, closed_date) <= 3",
            "grain": "month",
        },
        False,
    ),
}


@pytest.fixture
def measures(our_requests):
    return {slug: add_measure(slug, {**BASE, **spec}) for slug, (spec, _soql) in SPECS.items()}


@pytest.fixture
def soda_peer(live_server, settings, peer_portal, measures, transactional_db):
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    return add_peer(
        "Portal City",
        "soda",
        live_server.url,
        dataset_id=peer_portal.slug,
        dataset="requests",
        column_map=COLUMN_MAP,
        population=PEER_POPULATION,
        fiscal_year_start_month=5,
        fiscal_year_start_day=1,
        is_public=True,
    )


def close(found: float | None, expected: float | None) -> bool:
    if found is None or expected is None:
        return found is expected
    return math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_every_spec_computed_on_the_peer_equals_ours_and_says_how(soda_peer, measures):
    result = refresh_peer(soda_peer)
    assert result.failed == {}
    assert not compute_measures(list(measures.values())).failed
    for slug, (_spec, by_soql) in SPECS.items():
        theirs = {v.period: v for v in PeerValue.objects.filter(measure__slug=slug)}
        ours = {
            v.period: v.value
            for v in MeasureValue.objects.filter(measure__slug=slug, breakdown="", is_partial=False)
            if v.value is not None
        }
        assert theirs, slug
        # A rate per 1,000 residents uses each city's own population.
        scale = POPULATION / PEER_POPULATION if slug == "per-1000" else 1.0
        assert set(theirs) == set(ours), slug
        for period, value in ours.items():
            assert close(theirs[period].value, value * scale), (slug, period)
        methods = {v.method for v in theirs.values()}
        assert methods == {PeerValue.Method.SOQL if by_soql else PeerValue.Method.ROWS}, slug


def test_the_weekly_count_and_the_mean_duration_match_pandas(soda_peer, frame):
    refresh_peer(soda_peer)
    weeks = frame["created_date"].dt.to_period("W-SUN").dt.start_time
    # SQL's three-valued logic: `not (cost > 200)` is unknown, so false, without a cost.
    cheap = frame["cost"].notna() & ~(frame["cost"] > 200)
    chosen = frame[frame["category"].isin(["Trash", "O'Brien Street"]) & cheap]
    counts = chosen.groupby(weeks[chosen.index]).size()
    theirs = {
        v.period_start: v.value for v in PeerValue.objects.filter(measure__slug="weekly-trash")
    }
    assert theirs
    for start, value in theirs.items():
        assert value == counts.get(pd.Timestamp(start), 0)
    days = (frame["closed_date"] - frame["created_date"]).dt.total_seconds() / 86_400
    means = days.groupby(weeks).mean()
    durations = PeerValue.objects.filter(measure__slug="days-to-close")
    assert durations
    for value in durations:
        assert close(value.value, float(means[pd.Timestamp(value.period_start)]))
        assert "days_between" in value.notes  # says why it was computed from the rows


def test_soql_reads_no_rows_for_the_measures_it_can_express(soda_peer, measures):
    for slug, (_spec, by_soql) in SPECS.items():
        if not by_soql:
            measures[slug].delete()
    remote.COUNTER.rows = 0
    result = refresh_peer(soda_peer)
    assert result.failed == {} and result.stored > 0
    assert remote.COUNTER.rows == 0


def test_a_row_limit_refuses_paging_and_keeps_the_other_figures(soda_peer, frame):
    soda_peer.row_limit = 100
    soda_peer.save()
    result = refresh_peer(soda_peer)
    assert set(result.failed) == {"days-to-close", "median-days", "closed-in-3-days"}
    assert "more than the peer's row limit of 100" in result.failed["days-to-close"]
    soda_peer.refresh_from_db()
    assert soda_peer.state == Peer.State.FAILED
    assert "row limit" in soda_peer.last_error
    assert PeerValue.objects.filter(measure__slug="potholes").exists()
    assert not PeerValue.objects.filter(measure__slug="median-days").exists()


def test_a_column_map_missing_a_field_names_it_and_the_peer(peer_portal, measures, live_server):
    partial = {k: v for k, v in COLUMN_MAP.items() if k != "closed_date"}
    with pytest.raises(PeerError, match="peer 'portal-city'.*'closed_date'.*'closed-in-3-days'"):
        add_peer(
            "Portal City",
            "soda",
            live_server.url,
            dataset_id=peer_portal.slug,
            dataset="requests",
            column_map=partial,
            population=PEER_POPULATION,
        )
    assert not Peer.objects.exists()


def test_a_rate_needs_the_peers_population(peer_portal, measures, live_server):
    with pytest.raises(PeerError, match="'per-1000' is a rate per 1,000 residents"):
        add_peer(
            "Portal City",
            "soda",
            live_server.url,
            dataset_id=peer_portal.slug,
            dataset="requests",
            column_map=COLUMN_MAP,
        )
    assert not Peer.objects.exists()
