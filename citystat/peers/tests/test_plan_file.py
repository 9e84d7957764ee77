"""Peers and their links travel in the plan file: exported, imported, exported again equal."""

from __future__ import annotations

import pytest
import yaml

from citystat.peers.models import Peer, PeerLink
from citystat.peers.register import link_peer
from citystat.peers.sources import PeerError
from citystat.plan.documents import PlanDocumentError, dump_plan, load_plan
from citystat.plan.models import Plan

from .conftest import COLUMN_MAP, add_measure


@pytest.fixture
def peers(our_requests):
    add_measure(
        "potholes",
        {"dataset": "requests", "date": "created_date", "aggregate": "count", "grain": "month"},
    )
    add_measure("satisfied", {}, unit="percent")
    Peer.objects.create(
        slug="portal-city",
        name="Portal City",
        kind="soda",
        url="https://data.portal.example",
        dataset_id="abcd-1234",
        dataset="requests",
        column_map=COLUMN_MAP,
        population=48_000,
        fiscal_year_start_month=7,
        is_public=True,
    )
    Peer.objects.create(
        slug="national", name="National", kind="file", url="/srv/bench.csv", is_synthetic=True
    )
    Peer.objects.create(slug="second", name="Second", kind="citystat", url="https://second.example")
    link_peer("national", "satisfied", note="Nationwide.")
    link_peer("second", "potholes", their_measure="potholes-filled")
    return Plan.objects.get()


def test_peers_round_trip_through_the_plan_file(peers):
    text = dump_plan(peers)
    document = yaml.safe_load(text)
    assert [p["slug"] for p in document["peers"]] == ["national", "portal-city", "second"]
    Peer.objects.all().delete()
    load_plan(document, "plan.yaml")
    assert Peer.objects.count() == 3
    assert PeerLink.objects.get(peer__slug="second").their_measure == "potholes-filled"
    assert Peer.objects.get(slug="portal-city").column_map == COLUMN_MAP
    assert dump_plan(Plan.objects.get()) == text


def test_a_link_to_an_unknown_measure_is_refused_and_nothing_changes(peers):
    document = yaml.safe_load(dump_plan(peers))
    document["peers"][0]["links"][0]["measure"] = "satisfied-typo"
    document["peers"][0]["name"] = "Renamed"
    with pytest.raises(PlanDocumentError, match=r"peers\[0\].links\[0\].measure: 'satisfied-typo'"):
        load_plan(document, "plan.yaml")
    assert Peer.objects.get(slug="national").name == "National"


def test_a_soda_column_map_missing_a_field_undoes_the_import(peers):
    document = yaml.safe_load(dump_plan(peers))
    document["peers"][1]["columns"].pop("created_date")
    document["title"] = "Changed"
    with pytest.raises(PeerError, match="no column for field 'created_date'"):
        load_plan(document, "plan.yaml")
    assert Plan.objects.get().title == "P"
    assert "created_date" in Peer.objects.get(slug="portal-city").column_map
