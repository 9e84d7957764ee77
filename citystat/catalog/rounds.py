"""Work that other apps add to each round of `citystat refresh --loop`.

The catalog cannot import them (imports point one way), so they register here from their
AppConfig.ready; this module imports nothing heavy, as start-up must not (#23). Peer
cities refresh on the catalog's schedule this way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

# (name, function) pairs, run in order after each round's datasets.
round_work: list[tuple[str, Callable[[], None]]] = []


def register_round_work(name: str, work: Callable[[], None]) -> None:
    """Add `work` to every round, once however often the app is readied."""
    if not any(known == name for known, _work in round_work):
        round_work.append((name, work))


def run_round_work() -> None:
    """Run the other apps' round work; one that fails is logged and the loop goes on."""
    for name, work in round_work:
        try:
            work()
        except Exception:
            logger.exception("the refresh round's %s failed; it runs again next round", name)
