"""The demo's peer cities: two synthetic cities and a synthetic benchmark file.

Each peer city is the demo's own generator run under another seed and size, so its
figures are our measures' specs computed on its requests, with its own population and
fiscal year. Its rows are loaded into a staff-only dataset just long enough to compute
them, and the figures are written to a benchmark file in the demo home (docs/peers.md:
"served from files when no server runs"). Every name, source and note says the figures
are synthetic; the survey averages are made up, and say so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from citystat.catalog import engines
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.registry import delete_dataset
from citystat.demo.datasets import DEMO_DATASETS
from citystat.demo.generator.geography import load_geography
from citystat.demo.generator.service_requests import write_service_requests
from citystat.lib.periods import FiscalCalendar
from citystat.peers.refresh import refresh_peers
from citystat.peers.register import add_peer, link_peer
from citystat.plan.compute.engine import Context, compute_spec
from citystat.plan.compute.spec import check_spec, uses_measures
from citystat.plan.models import Measure, MeasureValue

REQUESTS = next(d for d in DEMO_DATASETS if d["slug"] == "service-requests")
SURVEY_FIRM = "National survey average (synthetic)"


@dataclass(frozen=True)
class SyntheticPeer:
    slug: str
    name: str
    seed_offset: int
    size: float  # its requests as a share of the demo city's
    population: int
    fiscal_year_start_month: int


PEERS = [
    SyntheticPeer("riverbend", "Riverbend (synthetic)", 101, 0.4, 210_000, 7),
    SyntheticPeer("lakeport", "Lakeport (synthetic)", 202, 0.7, 350_000, 1),
]


def peers_folder() -> Path:
    return settings.CITYSTAT_HOME / "demo" / "peers"


def request_measures() -> list[Measure]:
    """Return the measures computed from the 311 requests alone (the peers have no more)."""
    return [
        measure
        for measure in Measure.objects.exclude(spec={}).order_by("slug")
        if measure.spec.get("dataset") == REQUESTS["slug"] and not measure.spec.get("survey")
    ]


def peer_figures(peer: SyntheticPeer, rows: int, seed: int) -> list[list[str]]:
    """Generate the peer's requests, compute our specs on them, return benchmark lines."""
    folder = peers_folder()
    source = folder / f"{peer.slug}_service_requests.csv"
    write_service_requests(source, rows, seed + peer.seed_offset, load_geography(seed))
    slug = f"demo-peer-{peer.slug}"
    dataset = Dataset.objects.create(
        slug=slug,
        title=f"{peer.name}: 311 requests",
        description="Synthetic requests of a demo peer city; deleted once its figures are made.",
        is_public=False,
        table_schema=REQUESTS["table_schema"],
        column_map=REQUESTS.get("column_map", {}),
    )
    calendar = FiscalCalendar(peer.fiscal_year_start_month, 1)
    context = Context(calendar=calendar, population=peer.population)
    lines = []
    try:
        ingest(dataset, source)
        with engines.open_session() as session:
            for measure in request_measures():
                raw = {**measure.spec, "dataset": slug, "breakdowns": []}
                spec = check_spec(raw, {slug: dataset.table_schema}, calendar, {}, measure.slug)
                if uses_measures(spec):
                    continue
                for value in compute_spec(session.backend, session.relation(slug), spec, context):
                    if value.breakdown or value.value is None or value.is_partial:
                        continue
                    lines.append(
                        [
                            measure.slug,
                            value.period.label,
                            f"{value.value:.6g}",
                            f"citystat demo generator, seed {seed + peer.seed_offset}, "
                            f"{rows:,} requests (synthetic)",
                            "Synthetic peer city; our own definition computed on its requests.",
                        ]
                    )
    finally:
        delete_dataset(dataset)
        source.unlink(missing_ok=True)
    return lines


def survey_lines(seed: int) -> list[list[str]]:
    """Made-up survey averages near our own values, for the survey measures."""
    rng = np.random.default_rng([seed, 24])
    lines = []
    for measure in Measure.objects.exclude(spec={}).order_by("slug"):
        if not measure.spec.get("survey"):
            continue
        for value in MeasureValue.objects.filter(
            measure=measure, breakdown="", value__isnull=False
        ):
            assert value.value is not None
            made_up = min(100.0, max(0.0, value.value + float(rng.normal(0, 6))))
            lines.append(
                [
                    measure.slug,
                    value.period,
                    f"{made_up:.1f}",
                    "Made up for the citystat demo; not any survey firm's figure",
                    "Synthetic national average",
                ]
            )
    return lines


def write_file(path: Path, lines: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["measure", "period", "value", "source", "notes"])
        writer.writerows(lines)


def build_demo_peers(rows: int, seed: int) -> None:
    """Write the demo's peer files, register the peers, link them and read them."""
    folder = peers_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for peer in PEERS:
        path = folder / f"{peer.slug}.csv"
        write_file(path, peer_figures(peer, max(500, int(rows * peer.size)), seed))
        add_peer(
            peer.name,
            "file",
            str(path),
            slug=peer.slug,
            population=peer.population,
            fiscal_year_start_month=peer.fiscal_year_start_month,
            is_public=True,
            is_synthetic=True,
        )
        for measure in request_measures():
            link_peer(
                peer.slug,
                measure.slug,
                note="A synthetic city: the demo's generator under another seed and size, "
                "with our own definition.",
            )
    survey = folder / "survey-averages.csv"
    lines = survey_lines(seed)
    write_file(survey, lines)
    add_peer(
        SURVEY_FIRM, "file", str(survey), slug="survey-average", is_public=True, is_synthetic=True
    )
    for slug in sorted({line[0] for line in lines}):
        link_peer("survey-average", slug, note="Made-up national average, for the demo only.")
    refresh_peers()
