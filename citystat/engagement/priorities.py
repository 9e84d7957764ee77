"""Pick your priorities: residents rank priority areas (or services), one ballot per round.

Ballot stuffing is made expensive three ways (docs/engagement.md):

* one ballot per voter per round, the voter being a keyed hash of a random token the page
  sets in a cookie (never an IP address or anything personal);
* per-IP rate limits on submitting (citystat.accounts.ratelimit);
* a small proof of work: the page holds a signed, single-use challenge, and the browser
  finds a counter whose SHA-256 with it starts with `DIFFICULTY_BITS` zero bits (about
  16,000 hashes, under a second of a phone's time; static/js/priorities.js). Without
  JavaScript the ballot is accepted only once `NO_SCRIPT_WAIT` seconds have passed since
  the page was served, which costs a script the same wall-clock time without holding a
  server worker.

Results are Borda counts: with n choices, the first gets n points, the last 1.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from citystat.engagement.models import PriorityBallot, PriorityRound
from citystat.lib.errors import CitystatError
from citystat.plan.models import Plan
from citystat.surveys.models import ServiceProfile

CHALLENGE_SALT = "citystat.engagement.priorities.challenge"
DIFFICULTY_BITS = 14
CHALLENGE_SECONDS = 3600
NO_SCRIPT_WAIT = 8


class BallotRefused(CitystatError):
    pass


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def round_choices(priority_round: PriorityRound) -> list[Choice]:
    """Return what residents rank in this round: the current plan's areas, or services."""
    if priority_round.choices == PriorityRound.Choices.SERVICES:
        return [Choice(s.slug, s.title) for s in ServiceProfile.objects.order_by("position")]

    plan = Plan.current()
    if plan is None:
        return []
    return [Choice(a.slug, a.title) for a in plan.priority_areas.order_by("position")]


def issue_challenge() -> str:
    return signing.dumps({"n": secrets.token_hex(8), "t": int(time.time())}, salt=CHALLENGE_SALT)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits


def solves(challenge: str, counter: str, bits: int = DIFFICULTY_BITS) -> bool:
    digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def check_proof(challenge: str, counter: str, now: float | None = None) -> None:
    """Accept a solved challenge once (or, without a solution, after NO_SCRIPT_WAIT seconds)."""
    now = time.time() if now is None else now
    try:
        data = signing.loads(challenge, salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS)
    except signing.BadSignature as error:
        raise BallotRefused(_("The page is too old; please reload it and vote again.")) from error
    if counter:
        if len(counter) > 20 or not solves(challenge, counter):
            raise BallotRefused(_("The page's check did not finish; please try again."))
    elif now - int(data["t"]) < NO_SCRIPT_WAIT:
        raise BallotRefused(
            _("Please wait a few seconds and send your ballot again (a check against robots).")
        )
    if not cache.add(f"engagement:challenge:{data['n']}", 1, CHALLENGE_SECONDS):
        raise BallotRefused(_("This ballot was already sent; please reload the page to vote."))


def voter_key(priority_round: PriorityRound, token: str) -> str:
    message = f"{priority_round.pk}:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def has_voted(priority_round: PriorityRound, token: str) -> bool:
    return (
        bool(token)
        and PriorityBallot.objects.filter(
            round=priority_round, voter=voter_key(priority_round, token)
        ).exists()
    )


def clean_ranking(priority_round: PriorityRound, picked: list[str]) -> list[str]:
    """Return the ranking with unknown and repeated keys refused; at least one choice."""
    known = {choice.key for choice in round_choices(priority_round)}
    ranking: list[str] = []
    for key in picked:
        if not key:
            continue
        if key not in known:
            raise BallotRefused(_("Choose from the list shown."))
        if key in ranking:
            raise BallotRefused(_("Each choice can have only one place in your ranking."))
        ranking.append(key)
    if not ranking:
        raise BallotRefused(_("Rank at least one choice."))
    return ranking


def cast_ballot(
    priority_round: PriorityRound, token: str, ranking: list[str], district: str
) -> PriorityBallot:
    if not priority_round.is_open:
        raise BallotRefused(_("This round is closed."))
    if not token:
        raise BallotRefused(
            _(
                "Your browser did not keep this site's cookie, which counts one ballot per "
                "person; allow cookies for this site and send the ballot again."
            )
        )
    if has_voted(priority_round, token):
        raise BallotRefused(_("You have already sent your ballot for this round. Thank you!"))
    ballot, created = PriorityBallot.objects.get_or_create(
        round=priority_round,
        voter=voter_key(priority_round, token),
        defaults={"ranking": clean_ranking(priority_round, ranking), "district": district[:120]},
    )
    if not created:
        raise BallotRefused(_("You have already sent your ballot for this round. Thank you!"))
    return ballot


@dataclass
class Tally:
    choices: list[Choice]
    ballots: int
    # {group ("" for citywide, else a district): {choice key: points per ballot}}
    scores: dict[str, dict[str, float]]
    counts: dict[str, int]

    def ranked(self, group: str = "") -> list[tuple[Choice, float]]:
        scores = self.scores.get(group, {})
        return sorted(
            ((choice, scores.get(choice.key, 0.0)) for choice in self.choices),
            key=lambda pair: -pair[1],
        )

    def table(self) -> list[tuple[str, float, list[float]]]:
        """Return rows of (choice, citywide points, points per district), best first."""
        districts = self.districts
        return [
            (
                choice.label,
                score,
                [self.scores.get(district, {}).get(choice.key, 0.0) for district in districts],
            )
            for choice, score in self.ranked()
        ]

    @property
    def districts(self) -> list[str]:
        groups = [group for group in self.scores if group]
        return sorted(groups, key=lambda g: (len(g), g) if g.isdigit() else (0, g))


def tally(priority_round: PriorityRound) -> Tally:
    """Return Borda points per ballot for each choice, citywide and per district."""
    choices = round_choices(priority_round)
    size = len(choices)
    points: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    total = 0
    for ranking, district in priority_round.ballots.values_list("ranking", "district"):
        total += 1
        for group in ("", district) if district else ("",):
            counts[group] += 1
            for position, key in enumerate(ranking):
                points[group][key] += size - position
    scores = {
        group: {key: value / counts[group] for key, value in by_choice.items()}
        for group, by_choice in points.items()
    }
    return Tally(choices, total, scores, dict(counts))
