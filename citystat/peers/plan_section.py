"""The `peers:` section of the plan file: peers and their links, exported and imported.

    peers:
      - slug: portal-city
        name: Portal City
        kind: soda
        url: https://data.portal.example
        dataset_id: abcd-1234
        dataset: service-requests
        columns: {created_date: CREATION DATE}
        population: 480000
        fiscal_year_start: 07-01
        public: true
        links: [{measure: potholes-filled, theirs: potholes, note: …}]

Registered with plan/hooks.py by PeersConfig.ready(); checked with the rest of the file,
written in the same transaction (a SODA peer's column map is checked against the measures
the file leaves in place, so a bad one undoes the whole import).
"""

from __future__ import annotations

from typing import Any

from citystat.peers.models import Peer, PeerLink
from citystat.plan.hooks import DocumentSection
from citystat.plan.models import Measure, Plan

KEYS = {
    "slug",
    "name",
    "kind",
    "url",
    "dataset_id",
    "dataset",
    "columns",
    "population",
    "fiscal_year_start",
    "row_limit",
    "schedule",
    "public",
    "synthetic",
    "links",
}
LINK_KEYS = {"measure", "theirs", "note"}


def export_peers(plan: Plan) -> list[dict[str, Any]]:
    exported = []
    for peer in Peer.objects.order_by("slug"):
        item: dict[str, Any] = {"slug": peer.slug, "name": peer.name, "kind": peer.kind}
        item["url"] = peer.url
        if peer.kind == Peer.Kind.SODA:
            item |= {"dataset_id": peer.dataset_id, "dataset": peer.dataset}
            item["columns"] = dict(peer.column_map)
        if peer.population:
            item["population"] = peer.population
        item["fiscal_year_start"] = (
            f"{peer.fiscal_year_start_month:02d}-{peer.fiscal_year_start_day:02d}"
        )
        item |= {"row_limit": peer.row_limit, "schedule": peer.schedule}
        item |= {"public": peer.is_public, "synthetic": peer.is_synthetic}
        links = [
            {
                key: value
                for key, value in (
                    ("measure", link.measure.slug),
                    ("theirs", link.their_measure),
                    ("note", link.note),
                )
                if value
            }
            for link in peer.links.select_related("measure").order_by("measure__slug")
        ]
        if links:
            item["links"] = links
        exported.append(item)
    return exported


def check_peers(raw: Any, measures: set[str]) -> list[str]:
    """Return every problem of the section, each as `peers[i].key: message`."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        return ["peers: should be a list of mappings, one per peer."]
    known = measures | set(Measure.objects.values_list("slug", flat=True))
    problems = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"peers[{index}]"
        for key in sorted(set(map(str, item)) - KEYS):
            problems.append(f"{where}.{key}: unknown key")
        slug = item.get("slug")
        if not isinstance(slug, str) or not slug or slug in seen:
            problems.append(f"{where}.slug: give each peer its own slug.")
        seen.add(str(slug))
        for key in ("name", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f"{where}.{key}: is required text.")
        if item.get("kind") not in Peer.Kind.values:
            problems.append(f"{where}.kind: {item.get('kind')!r} should be citystat, soda or file.")
        if item.get("kind") == Peer.Kind.SODA:
            columns = item.get("columns")
            if not isinstance(columns, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
            ):
                problems.append(f"{where}.columns: a mapping of our field: their column.")
            for key in ("dataset_id", "dataset"):
                if not isinstance(item.get(key), str) or not item[key]:
                    problems.append(f"{where}.{key}: a SODA peer needs it.")
        population = item.get("population")
        if population is not None and (not isinstance(population, int) or population <= 0):
            problems.append(f"{where}.population: {population!r} should be a whole number.")
        if fiscal_start(item.get("fiscal_year_start", "07-01")) is None:
            problems.append(f"{where}.fiscal_year_start: write MM-DD, such as 07-01.")
        links = item.get("links") or []
        if not isinstance(links, list):
            problems.append(f"{where}.links: should be a list of mappings.")
            continue
        for number, link in enumerate(links):
            spot = f"{where}.links[{number}]"
            if not isinstance(link, dict):
                problems.append(f"{spot}: should be a mapping with measure (and theirs, note).")
                continue
            for key in sorted(set(map(str, link)) - LINK_KEYS):
                problems.append(f"{spot}.{key}: unknown key")
            if link.get("measure") not in known:
                problems.append(f"{spot}.measure: {link.get('measure')!r} is not a measure.")
            if item.get("kind") == Peer.Kind.FILE and not str(link.get("note") or "").strip():
                problems.append(f"{spot}.note: say how the benchmark differs from our measure.")
    return problems


def fiscal_start(text: Any) -> tuple[int, int] | None:
    try:
        month, day = (int(part) for part in str(text).split("-"))
    except ValueError:
        return None
    return (month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def write_peers(raw: list[dict[str, Any]]) -> None:
    for item in raw:
        peer = Peer.objects.filter(slug=item["slug"]).first() or Peer(slug=item["slug"])
        month, day = fiscal_start(item.get("fiscal_year_start", "07-01")) or (7, 1)
        peer.name, peer.kind, peer.url = item["name"], item["kind"], item["url"]
        peer.dataset_id = item.get("dataset_id", "")
        peer.dataset = item.get("dataset", "")
        peer.column_map = item.get("columns") or {}
        peer.population = item.get("population")
        peer.fiscal_year_start_month, peer.fiscal_year_start_day = month, day
        peer.row_limit = item.get("row_limit", peer.row_limit)
        peer.schedule = item.get("schedule", peer.schedule)
        peer.is_public = bool(item.get("public", False))
        peer.is_synthetic = bool(item.get("synthetic", False))
        if peer.kind == Peer.Kind.SODA:
            # Here, not at the top: this module loads at start-up, which must not import
            # Ibis (#23); the check reads the warehouse.
            from citystat.peers.sources import check_soda_peer  # noqa: PLC0415

            check_soda_peer(peer)  # raises PeerError: the import's transaction undoes it all
        peer.save()
        PeerLink.objects.filter(peer=peer).delete()
        for link in item.get("links") or []:
            PeerLink.objects.create(
                peer=peer,
                measure=Measure.objects.get(slug=link["measure"]),
                their_measure=link.get("theirs", ""),
                note=link.get("note", ""),
            )


SECTION = DocumentSection("peers", export_peers, check_peers, write_peers)
