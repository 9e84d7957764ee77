"""Our measure beside its peers' figures: the latest common period, ranks, the dot plot.

A peer figure stands beside a value of ours only when it is comparable by construction:
a SODA peer's figure is our own spec computed on its data (with its own population and
fiscal calendar); a citystat peer's or a benchmark file's figure only once staff linked it
to the measure. Periods are matched by the days they cover, not by their names: a peer
whose fiscal year starts in July is set beside our fiscal year when the two overlap for
at least half of ours and are about as long (`aligned`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from citystat.city.models import CityProfile
from citystat.peers.models import Peer, PeerLink, PeerValue
from citystat.plan.charts import TARGET_COLOUR, VALUE_COLOUR, base_spec, value_format
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import target_in_force

# How many of our latest values are tried for a period a peer shares.
LOOKBACK = 60
PEER_COLOUR = "#6b6b6b"


@dataclass
class PeerFigure:
    peer: Peer
    value: float
    period: str
    start: dt.date
    end: dt.date
    source_url: str
    source: str
    notes: str
    method: str
    retrieved_at: dt.datetime
    # The peer's last refresh failed: this is its last good figure.
    is_stale: bool = False
    # Staff's note on how the peer's definition differs from ours (PeerLink.note).
    difference: str = ""

    @property
    def same_period(self) -> bool:
        return self.period_note == ""

    @property
    def period_note(self) -> str:
        return "" if self.start == self.our_start and self.end == self.our_end else self.period

    our_start: dt.date = dt.date.min
    our_end: dt.date = dt.date.min


@dataclass
class Comparison:
    measure: Measure
    period: str
    start: dt.date
    end: dt.date
    ours: float
    target: float | None
    figures: list[PeerFigure] = field(default_factory=list)
    # A survey measure's 95% interval of our value (plan/compute: Wilson), else None.
    ci_lower: float | None = None
    ci_upper: float | None = None

    @property
    def rank(self) -> int | None:
        """Our place among us and the peers, 1 the best; None for a range measure."""
        if self.measure.direction == Measure.Direction.HIGHER_IS_BETTER:
            return 1 + sum(1 for figure in self.figures if figure.value > self.ours)
        if self.measure.direction == Measure.Direction.LOWER_IS_BETTER:
            return 1 + sum(1 for figure in self.figures if figure.value < self.ours)
        return None

    @property
    def of(self) -> int:
        return len(self.figures) + 1

    @property
    def standing(self) -> float:
        """0 when we lead, 1 when we trail (for ranking the compare page)."""
        rank = self.rank
        return 0.5 if rank is None or self.of == 1 else (rank - 1) / (self.of - 1)


def shown_values(public_only: bool = True) -> QuerySet[PeerValue]:
    """Return the peer figures that may stand beside a measure (see the module)."""
    values = PeerValue.objects.select_related("peer").filter(
        Q(peer__kind=Peer.Kind.SODA) | Q(peer__links__measure=F("measure"))
    )
    if public_only:
        values = values.filter(peer__is_public=True, measure__is_public=True)
    return values


def aligned(our_start: dt.date, our_end: dt.date, start: dt.date, end: dt.date) -> int:
    """Return the days two periods share when they are comparable, else 0."""
    ours = (our_end - our_start).days + 1
    theirs = (end - start).days + 1
    shared = (min(our_end, end) - max(our_start, start)).days + 1
    if shared * 2 < ours or not 0.9 * ours <= theirs <= 1.1 * ours:
        return 0
    return shared


def comparison_for(measure: Measure, public_only: bool = True) -> Comparison | None:
    """Return our latest value that peers have a figure for, beside theirs; None if none."""
    by_peer: dict[int, list[PeerValue]] = defaultdict(list)
    for value in shown_values(public_only).filter(measure=measure).distinct():
        by_peer[value.peer_id].append(value)
    if not by_peer:
        return None
    differences = dict(PeerLink.objects.filter(measure=measure).values_list("peer_id", "note"))
    ours = MeasureValue.objects.filter(
        measure=measure, breakdown="", is_partial=False, value__isnull=False
    ).order_by("-period_start")[:LOOKBACK]
    for our in ours:
        figures = []
        for values in by_peer.values():
            best = max(
                values,
                key=lambda v: aligned(
                    our.period_start, our.period_end, v.period_start, v.period_end
                ),
            )
            if aligned(our.period_start, our.period_end, best.period_start, best.period_end):
                figures.append(figure_of(best, our, differences.get(best.peer_id, "")))
        if figures:
            assert our.value is not None
            return Comparison(
                measure=measure,
                period=our.period,
                start=our.period_start,
                end=our.period_end,
                ours=our.value,
                target=target_for(measure, our.period_end),
                figures=sorted(figures, key=lambda figure: figure.peer.name),
                ci_lower=our.ci_lower,
                ci_upper=our.ci_upper,
            )
    return None


def figure_of(value: PeerValue, our: MeasureValue, difference: str) -> PeerFigure:
    return PeerFigure(
        peer=value.peer,
        value=value.value,
        period=value.period,
        start=value.period_start,
        end=value.period_end,
        source_url=value.source_url,
        source=value.source,
        notes=value.notes,
        method=value.get_method_display(),
        retrieved_at=value.retrieved_at,
        is_stale=value.peer.state == Peer.State.FAILED,
        our_start=our.period_start,
        our_end=our.period_end,
        difference=difference,
    )


def target_for(measure: Measure, day: dt.date) -> float | None:
    calendar = CityProfile.current().fiscal_calendar
    target = target_in_force(list(measure.targets.all()), calendar.fiscal_year_of(day))
    return target.value if target else None


def ranked_comparisons(public_only: bool = True) -> list[Comparison]:
    """Return every measure with peer figures, where we stand best first."""
    measure_ids = shown_values(public_only).values_list("measure_id", flat=True).distinct()
    measures = Measure.objects.filter(pk__in=list(measure_ids)).order_by("title")
    found = [comparison_for(measure, public_only) for measure in measures]
    return sorted((c for c in found if c is not None), key=lambda c: (c.standing, c.measure.title))


def survey_comparisons(dataset_slug: str) -> list[Comparison]:
    """Return each public survey measure over `dataset_slug` that has benchmark figures."""
    measures = Measure.objects.filter(is_public=True, spec__dataset=dataset_slug).order_by("title")
    found = [
        comparison_for(measure)
        for measure in measures
        if isinstance(measure.spec, dict) and measure.spec.get("survey")
    ]
    return [comparison for comparison in found if comparison is not None]


def dot_plot(comparison: Comparison, city_name: str) -> dict[str, Any]:
    """Return the Vega-Lite dot plot of us and each peer, with our target as a rule."""
    measure = comparison.measure
    rows: list[dict[str, Any]] = [{"who": city_name, "value": comparison.ours, "us": True}] + [
        {"who": figure.peer.name, "value": figure.value, "us": False}
        for figure in comparison.figures
    ]
    order = [row["who"] for row in sorted(rows, key=lambda row: -row["value"])]
    fmt = value_format(measure)
    spec = base_spec(
        _("%(title)s: %(city)s and its peers") % {"title": measure.title, "city": city_name}
    )
    spec["height"] = 28 * len(rows) + 20
    y = {"field": "who", "type": "nominal", "sort": order, "title": None}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": rows},
            "mark": {"type": "point", "filled": True, "size": 120},
            "encoding": {
                "y": y,
                "x": {
                    "field": "value",
                    "type": "quantitative",
                    "title": str(measure.get_unit_display()),
                    "axis": {"format": fmt},
                },
                "color": {
                    "field": "us",
                    "type": "nominal",
                    "scale": {"domain": [True, False], "range": [VALUE_COLOUR, PEER_COLOUR]},
                    "legend": None,
                },
                "tooltip": [
                    {"field": "who", "type": "nominal", "title": _("City")},
                    {"field": "value", "type": "quantitative", "format": fmt, "title": _("Value")},
                ],
            },
        }
    ]
    if comparison.target is not None:
        layers.append(
            {
                "data": {"values": [{"target": comparison.target}]},
                "mark": {
                    "type": "rule",
                    "color": TARGET_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"field": "target", "type": "quantitative"}},
            }
        )
    spec["layer"] = layers
    return spec
