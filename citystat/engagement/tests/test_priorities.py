"""Pick your priorities: proof of work, one ballot per person per round, and the tally."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from citystat.city.models import CityProfile
from citystat.engagement.models import PriorityBallot, PriorityRound
from citystat.engagement.priorities import (
    BallotRefused,
    check_proof,
    issue_challenge,
    solves,
    tally,
)


def solve(challenge: str) -> str:
    counter = 0
    while not solves(challenge, str(counter)):
        counter += 1
    return str(counter)


@pytest.fixture
def open_round(city, plan) -> PriorityRound:
    return PriorityRound.objects.create(title="Spring 2026", slug="spring", is_open=True)


def ballot(client: Client, ranking: list[str], district: str = "", **extra) -> object:
    page = client.get("/priorities/pick/")
    challenge = page.content.decode().split('name="challenge" value="')[1].split('"')[0]
    data = {f"rank_{n}": key for n, key in enumerate(ranking, start=1)}
    data.update(challenge=challenge, proof=solve(challenge), district=district)
    return client.post("/priorities/pick/", data, **extra)


def test_a_solved_challenge_is_accepted_once(db):
    challenge = issue_challenge()
    proof = solve(challenge)
    check_proof(challenge, proof)
    with pytest.raises(BallotRefused):
        check_proof(challenge, proof)


def test_a_wrong_proof_or_forged_challenge_is_refused(db):
    challenge = issue_challenge()
    wrong = next(str(n) for n in range(10_000) if not solves(challenge, str(n)))
    with pytest.raises(BallotRefused):
        check_proof(challenge, wrong)
    with pytest.raises(BallotRefused):
        check_proof(challenge + "x", solve(challenge + "x"))


def test_without_a_proof_a_ballot_must_wait_a_few_seconds(db):
    early = issue_challenge()
    with pytest.raises(BallotRefused):
        check_proof(early, "")
    check_proof(issue_challenge(), "", now=time.time() + 10)


def test_a_resident_votes_once_per_round(client, open_round):
    assert ballot(client, ["public-safety", "infrastructure"], "1").status_code == 200
    assert "already sent your ballot" in client.get("/priorities/pick/").content.decode()
    challenge = issue_challenge()
    again = client.post(
        "/priorities/pick/",
        {"rank_1": "infrastructure", "challenge": challenge, "proof": solve(challenge)},
    )
    assert again.status_code == 400
    assert "already sent your ballot" in again.content.decode()
    assert PriorityBallot.objects.count() == 1


def test_a_ballot_refuses_repeats_and_unknown_choices(client, open_round):
    for ranking in (["infrastructure", "infrastructure"], ["moon-base"], []):
        response = ballot(Client(), ranking)
        assert response.status_code == 400
    assert not PriorityBallot.objects.exists()


def test_a_closed_round_takes_no_ballots(client, open_round):
    PriorityRound.objects.filter(pk=open_round.pk).update(is_open=False)
    page = client.get("/priorities/pick/").content.decode()
    assert "no open round" in page


def test_the_tally_is_borda_points_citywide_and_by_district(open_round):
    for voter, ranking, district in [
        ("a", ["infrastructure", "public-safety", "healthy-communities"], "1"),
        ("b", ["public-safety", "infrastructure"], "1"),
        ("c", ["healthy-communities"], "2"),
    ]:
        PriorityBallot.objects.create(
            round=open_round, voter=voter, ranking=ranking, district=district
        )
    result = tally(open_round)
    assert result.ballots == 3
    assert result.scores[""]["infrastructure"] == pytest.approx((3 + 2) / 3)
    assert result.scores["1"]["public-safety"] == pytest.approx((2 + 3) / 2)
    assert result.scores["2"] == {"healthy-communities": 3.0}
    assert result.districts == ["1", "2"]
    assert [row[0] for row in result.table()][:2] == ["Infrastructure", "Public Safety"]


def test_the_results_page_shows_districts_beside_the_survey(client, open_round):
    PriorityBallot.objects.create(
        round=open_round, voter="a", ranking=["infrastructure"], district="2"
    )
    page = client.get("/priorities/pick/results/").content.decode()
    assert "District 2" in page and "Infrastructure" in page
    assert "resident survey" in page


def test_the_results_page_writes_points_in_the_readers_language(client, open_round):
    # #20: points per ballot were written "1.67" on the Spanish page too.
    open_round_city = CityProfile.objects.get()
    open_round_city.languages = ["en", "es"]
    open_round_city.save()
    for voter, ranking in [("a", ["infrastructure", "public-safety", "healthy-communities"]),
                           ("b", ["public-safety"]), ("c", ["public-safety"])]:  # fmt: skip
        PriorityBallot.objects.create(round=open_round, voter=voter, ranking=ranking)
    english = client.get("/priorities/pick/results/").content.decode()
    spanish = client.get("/priorities/pick/results/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # Infrastructure: 3 points from one ballot of three; public safety: (2 + 3 + 3) / 3.
    assert "1.00" in english and "2.67" in english
    assert "1,00" in spanish and "2,67" in spanish and "2.67" not in spanish


def test_ballots_are_throttled_per_address(open_round):
    statuses = [
        ballot(Client(), ["infrastructure"], REMOTE_ADDR="192.0.2.7").status_code for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
