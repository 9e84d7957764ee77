"""The demo's peers: two synthetic cities from the same generator and synthetic survey
averages, labelled as synthetic, read from files in the demo home (#24)."""

import pytest

from citystat.catalog.models import Dataset
from citystat.demo.build import build_demo_city
from citystat.peers.models import Peer, PeerValue
from citystat.plan.models import MeasureValue


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_demo_has_two_synthetic_peer_cities_and_survey_averages(settings, tmp_path, client):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=3_000, seed=7)
    peers = {peer.slug: peer for peer in Peer.objects.all()}
    assert set(peers) == {"riverbend", "lakeport", "survey-average"}
    assert all(p.is_synthetic and p.is_public and p.state == Peer.State.OK for p in peers.values())
    assert all("synthetic" in p.name for p in peers.values())
    for slug in ("riverbend", "lakeport"):
        assert (settings.CITYSTAT_HOME / "demo" / "peers" / f"{slug}.csv").is_file()
        assert PeerValue.objects.filter(peer__slug=slug).count() > 10
    # Their rows were loaded only to compute the figures.
    assert not Dataset.objects.filter(slug__startswith="demo-peer-").exists()
    # Another seed and size: a count differs from ours in the same period.
    figure = PeerValue.objects.filter(peer__slug="lakeport", period__startswith="FY").first()
    assert figure is not None
    ours = MeasureValue.objects.filter(
        measure=figure.measure, period=figure.period, breakdown=""
    ).first()
    assert ours is None or ours.value != figure.value
    assert PeerValue.objects.filter(peer__slug="survey-average").exists()
    page = client.get("/compare/").content.decode()
    assert "Riverbend (synthetic)" in page
