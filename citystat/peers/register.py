"""Add peers and link their figures to our measures, checking everything first.

A peer that fails a check is not saved: `add_peer` raises PeerError naming the field and
the peer, and the database is as it was.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from citystat.catalog.schedule import ScheduleError, parse_schedule
from citystat.lib.periods import FiscalCalendar
from citystat.peers.models import Peer, PeerLink
from citystat.peers.sources import PeerError, check_soda_peer, file_text, parse_benchmark_file
from citystat.plan.models import Measure


def parse_column_map(pairs: list[str]) -> dict[str, str]:
    """Return {our field: their column} from `ours=THEIRS` pairs, as `--map` takes them."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise PeerError(
                f"--map {pair!r}: write our_field=Their Column, such as created_date=CREATION DATE."
            )
        mapping[ours.strip()] = theirs.strip()
    return mapping


def add_peer(name: str, kind: str, url: str, **fields: Any) -> Peer:
    """Create (or replace) a peer after checking it can be read as described."""
    if kind not in Peer.Kind.values:
        raise PeerError(f"--kind {kind!r}: choose citystat, soda or file.")
    slug = fields.pop("slug", None) or slugify(name)
    if not slug:
        raise PeerError(f"{name!r} gives no slug; add --slug.")
    if not url:
        raise PeerError(f"peer {slug!r}: give its --url (a base URL, or the benchmark file).")
    peer = Peer.objects.filter(slug=slug).first() or Peer(slug=slug)
    peer.name, peer.kind, peer.url = name, kind, url
    for key, value in fields.items():
        if value is not None:
            setattr(peer, key, value)
    check_peer(peer)
    with transaction.atomic():
        peer.save()
    return peer


def check_peer(peer: Peer) -> None:
    try:
        parse_schedule(peer.schedule)
    except ScheduleError as error:
        raise PeerError(f"peer {peer.slug!r}: --schedule: {error}") from None
    try:
        FiscalCalendar(peer.fiscal_year_start_month, peer.fiscal_year_start_day).fiscal_year_start(
            2025
        )
    except ValueError:
        raise PeerError(
            f"peer {peer.slug!r}: the fiscal year cannot start on "
            f"{peer.fiscal_year_start_month}-{peer.fiscal_year_start_day}."
        ) from None
    if peer.kind == Peer.Kind.SODA:
        if not peer.dataset_id or not peer.dataset:
            raise PeerError(
                f"peer {peer.slug!r}: a SODA peer needs --dataset-id (theirs) and --dataset (ours)."
            )
        check_soda_peer(peer)
    if peer.kind == Peer.Kind.FILE:
        parse_benchmark_file(peer, file_text(peer.url))
    if peer.kind == Peer.Kind.CITYSTAT and not peer.url.startswith(("http://", "https://")):
        raise PeerError(f"peer {peer.slug!r}: a citystat peer's --url is its http(s) address.")


def link_peer(
    peer_slug: str, measure_slug: str, their_measure: str = "", note: str = ""
) -> PeerLink:
    """Say that the peer's figure stands beside our measure (a note says how they differ)."""
    peer = Peer.objects.filter(slug=peer_slug).first()
    if peer is None:
        raise PeerError(f"no peer {peer_slug!r}; see `citystat peers list`.")
    measure = Measure.objects.filter(slug=measure_slug).first()
    if measure is None:
        raise PeerError(f"{measure_slug!r} is not a measure of the plan.")
    if peer.kind == Peer.Kind.SODA:
        raise PeerError(f"peer {peer.slug!r} computes our own specs on its data; it needs no link.")
    if peer.kind == Peer.Kind.FILE and not note.strip():
        raise PeerError(
            f"a benchmark figure is not defined as {measure.slug!r} is; "
            "say how they differ with --note."
        )
    link, _created = PeerLink.objects.update_or_create(
        peer=peer, measure=measure, defaults={"their_measure": their_measure, "note": note.strip()}
    )
    return link


def set_public(peer_slug: str, public: bool) -> Peer:
    peer = Peer.objects.filter(slug=peer_slug).first()
    if peer is None:
        raise PeerError(f"no peer {peer_slug!r}; see `citystat peers list`.")
    peer.is_public = public
    peer.save(update_fields=["is_public"])
    return peer


def peer_summary(peer: Peer) -> dict[str, Any]:
    """Return what `peers list --json` shows of a peer."""
    return {
        "slug": peer.slug,
        "name": peer.name,
        "kind": peer.kind,
        "url": peer.url,
        "public": peer.is_public,
        "synthetic": peer.is_synthetic,
        "state": peer.state,
        "last_error": peer.last_error,
        "last_attempt_at": peer.last_attempt_at.isoformat() if peer.last_attempt_at else None,
        "last_success_at": peer.last_success_at.isoformat() if peer.last_success_at else None,
        "figures": peer.values.count(),
        "links": sorted(peer.links.values_list("measure__slug", flat=True)),
    }
