"""Refresh peers: replace a peer's figures with what it answers now, or record why not.

A measure whose reading failed keeps its last good figures (with their retrieval time);
the failure is recorded on the peer, first line only, and never shown as a value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from citystat.peers.models import Peer, PeerValue
from citystat.peers.remote import PeerFailed
from citystat.peers.sources import KINDS, PeerError, PeerReading


@dataclass
class RefreshResult:
    peer: Peer
    stored: int
    failed: dict[str, str]  # measure slug (or "" for the whole peer) → why


def refresh_peer(peer: Peer, now: dt.datetime | None = None) -> RefreshResult:
    """Read `peer` and store its figures; failures are recorded, old figures kept."""
    now = now or timezone.now()
    try:
        reading = KINDS[Peer.Kind(peer.kind)].read(peer)
    except (PeerError, PeerFailed) as error:
        reading = PeerReading(failed={"": str(error).splitlines()[0]})
    with transaction.atomic():
        replaced = PeerValue.objects.filter(peer=peer)
        if reading.failed:
            # Only the measures read now are replaced; the others keep their last good ones.
            replaced = replaced.filter(
                measure__in={figure.measure.pk for figure in reading.figures}
            )
        replaced.delete()
        PeerValue.objects.bulk_create(
            PeerValue(
                peer=peer,
                measure=figure.measure,
                period=figure.period,
                period_start=figure.start,
                period_end=figure.end,
                value=figure.value,
                method=figure.method,
                source_url=figure.source_url[:1000],
                source=figure.source[:300],
                notes=figure.notes[:500],
                retrieved_at=now,
            )
            for figure in reading.figures
        )
        peer.last_attempt_at = now
        if reading.failed:
            peer.state = Peer.State.FAILED
            peer.last_error = "\n".join(
                f"{slug}: {why}" if slug else why for slug, why in sorted(reading.failed.items())
            )
        else:
            peer.state, peer.last_error, peer.last_success_at = Peer.State.OK, "", now
        peer.save(update_fields=["state", "last_error", "last_attempt_at", "last_success_at"])
    return RefreshResult(peer, len(reading.figures), reading.failed)


def refresh_peers(
    slugs: list[str] | None = None, now: dt.datetime | None = None, due_only: bool = False
) -> list[RefreshResult]:
    """Refresh the named peers (default: all of them, or only those due by schedule)."""
    now = now or timezone.now()
    peers = Peer.objects.all()
    if slugs:
        peers = peers.filter(slug__in=slugs)
        missing = sorted(set(slugs) - {peer.slug for peer in peers})
        if missing:
            raise PeerError(f"no peer {', '.join(map(repr, missing))}; see `citystat peers list`.")
    return [refresh_peer(peer, now) for peer in peers if not due_only or peer.is_due(now)]
