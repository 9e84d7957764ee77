"""Satisfaction, importance and importance–satisfaction priorities from survey answers.

Everything is computed in the warehouse from respondent-level rows, as Ibis expressions
through the configured engine (surveys.answers); the shares and their intervals are
the ones plan's survey measures use (lib.survey_shares).
"""

from __future__ import annotations

import functools
import operator
import statistics
from dataclasses import dataclass

import ibis.expr.types as ir
from django.utils.translation import pgettext_lazy

from citystat.catalog.engines import open_session
from citystat.lib.stats import Interval, difference_interval
from citystat.lib.survey_shares import DENOMINATOR, finish_parts, share_parts
from citystat.surveys.answers import GROUP, WAVE, WEIGHT, answers_table, as_number, base, keys, rows
from citystat.surveys.definition import SurveyDefinition
from citystat.surveys.waves import order_waves, wave_dates, wave_ranks

ITEM, VALUE = "__item", "__value"
# Importance–satisfaction bands used by ETC Institute and Kansas City.
VERY_HIGH_PRIORITY = 0.20
HIGH_PRIORITY = 0.10
# What residents read for each band and quadrant; the codes stay English in data and cache.
BAND_LABELS = {
    "very high": pgettext_lazy("priority band", "very high"),
    "high": pgettext_lazy("priority band", "high"),
    "medium": pgettext_lazy("priority band", "medium"),
}
QUADRANT_LABELS = {
    "act first": pgettext_lazy("priority quadrant", "act first"),
    "maintain": pgettext_lazy("priority quadrant", "maintain"),
    "watch": pgettext_lazy("priority quadrant", "watch"),
    "lower priority": pgettext_lazy("priority quadrant", "lower priority"),
}


@dataclass(frozen=True)
class ItemRating:
    item: str
    label: str
    wave: str
    group: str | None
    answered: int
    satisfied: float | None
    mean: float | None
    effective_n: float
    interval: Interval | None

    @property
    def suppressed(self) -> bool:
        return self.satisfied is None


@dataclass(frozen=True)
class ItemImportance:
    item: str
    wave: str
    group: str | None
    respondents: int
    importance: float


@dataclass(frozen=True)
class Priority:
    item: str
    label: str
    importance: float
    satisfaction: float
    rating: float
    band: str
    quadrant: str
    rank: int

    @property
    def band_label(self) -> str:
        return str(BAND_LABELS.get(self.band, self.band))

    @property
    def quadrant_label(self) -> str:
        return str(QUADRANT_LABELS.get(self.quadrant, self.quadrant))


@dataclass(frozen=True)
class Change:
    item: str
    label: str
    earlier: ItemRating
    later: ItemRating
    difference: float
    interval: Interval

    @property
    def significant(self) -> bool:
        return self.interval.excludes_zero()


def satisfaction(
    definition: SurveyDefinition, by: str | None = None, wave: str | None = None
) -> list[ItemRating]:
    """Return each item's satisfied share, mean and Wilson interval, per wave and group.

    Groups smaller than the definition's minimum are suppressed (values left empty).
    """
    scale = definition.scale
    codes = [item.code for item in definition.items]
    with open_session() as session:

        def build() -> ir.Table:
            table = base(answers_table(session, definition), definition, by, wave)
            table = table.select(
                *keys(by), WEIGHT, **{code: as_number(table[code], "int64") for code in codes}
            )
            answers = table.pivot_longer(codes, names_to=ITEM, values_to=VALUE)
            # "Don't know" and codes off the scale are no opinion: not in the share.
            answers = answers.filter(answers[VALUE].between(scale.minimum, scale.maximum))
            weight = answers[WEIGHT]
            satisfied = answers[VALUE].isin(list(scale.satisfied))
            return answers.group_by([*keys(by), ITEM]).aggregate(
                **share_parts(satisfied, answers.count(), weight),
                value_weight=(weight * answers[VALUE]).sum(),
            )

        inputs = {"statistic": "satisfaction", "definition": definition, "by": by, "wave": wave}
        found = rows(session, definition.dataset, inputs, build)
    ratings = []
    for row in found:
        found_item = definition.item(row[ITEM])
        item, wave_label, group = found_item.code, str(row[WAVE]), row.get(GROUP)
        label = found_item.label
        # Every respondent weighs 1 without weights, so Kish's size is the count then.
        share = finish_parts(row, weighted=True, minimum=definition.minimum_group_size)
        if share.share is None or share.interval is None:
            ratings.append(
                ItemRating(item, label, wave_label, group, share.respondents, None, None, 0, None)
            )
            continue
        ratings.append(
            ItemRating(
                item=item,
                label=label,
                wave=wave_label,
                group=group,
                answered=share.respondents,
                satisfied=share.share,
                mean=row["value_weight"] / row[DENOMINATOR],
                effective_n=share.effective_n,
                interval=share.interval,
            )
        )
    ranks = wave_ranks(definition) if ratings else {}
    return sorted(
        ratings,
        key=lambda rating: (ranks.get(rating.wave, len(ranks)), rating.group or "", rating.item),
    )


def importance(
    definition: SurveyDefinition, by: str | None = None, wave: str | None = None
) -> list[ItemImportance]:
    """Return the share of respondents naming each item among their top picks.

    A respondent who names an item in two picks counts once; "none of these" and codes
    outside the list name no service.
    """
    if definition.importance is None:
        return []
    picks = definition.importance
    with open_session() as session:

        def build() -> ir.Table:
            table = base(answers_table(session, definition), definition, by, wave)
            chosen = [as_number(table[column], "int64") for column in picks.columns]
            weight = table[WEIGHT]
            named: dict[str, ir.Scalar] = {}
            for code in picks.codes:
                # Whether the respondent named `code` in any pick (an empty pick names none).
                any_pick = functools.reduce(
                    operator.or_, [(pick == code).fill_null(False) for pick in chosen]
                )
                named[f"named_{code}"] = any_pick.ifelse(1, 0).sum()
                named[f"weight_{code}"] = any_pick.ifelse(weight, 0.0).sum()
            return table.group_by(keys(by)).aggregate(
                respondents=table.count(), weight_sum=weight.sum(), **named
            )

        inputs = {"statistic": "importance", "definition": definition, "by": by, "wave": wave}
        found = rows(session, definition.dataset, inputs, build)
    results = []
    for row in found:
        if row["respondents"] < definition.minimum_group_size:
            continue
        for code, item in picks.codes.items():
            if not row[f"named_{code}"]:
                continue  # nobody in the group named it: no share, as for a code not listed
            results.append(
                ItemImportance(
                    item,
                    str(row[WAVE]),
                    row.get(GROUP),
                    row["respondents"],
                    float(row[f"weight_{code}"] / row["weight_sum"]),
                )
            )
    ranks = wave_ranks(definition) if results else {}
    return sorted(
        results,
        key=lambda entry: (ranks.get(entry.wave, len(ranks)), entry.group or "", entry.item),
    )


def priorities(
    definition: SurveyDefinition, by: str | None = None, wave: str | None = None
) -> dict[tuple[str, str | None], list[Priority]]:
    """Return ranked importance–satisfaction priorities per (wave, group).

    I-S = importance × (1 − satisfaction). Quadrants split importance and satisfaction at
    their medians among the items with a pick code.
    """
    ratings = {(r.wave, r.group, r.item): r for r in satisfaction(definition, by, wave)}
    shares: dict[tuple[str, str | None], dict[str, float]] = {}
    for entry in importance(definition, by, wave):
        shares.setdefault((entry.wave, entry.group), {})[entry.item] = entry.importance
    results = {}
    for (wave_label, group), by_item in shares.items():
        rows = []
        for item in definition.importance.codes.values() if definition.importance else []:
            rating = ratings.get((wave_label, group, item))
            if rating is None or rating.satisfied is None:
                continue
            named = by_item.get(item, 0.0)
            rows.append((item, rating.label, named, rating.satisfied))
        if not rows:
            continue
        importance_median = statistics.median(row[2] for row in rows)
        satisfaction_median = statistics.median(row[3] for row in rows)
        ranked = sorted(rows, key=lambda row: row[2] * (1 - row[3]), reverse=True)
        results[(wave_label, group)] = [
            Priority(
                item=item,
                label=label,
                importance=named,
                satisfaction=satisfied,
                rating=named * (1 - satisfied),
                band=band_for(named * (1 - satisfied)),
                quadrant=quadrant_for(named, satisfied, importance_median, satisfaction_median),
                rank=rank,
            )
            for rank, (item, label, named, satisfied) in enumerate(ranked, start=1)
        ]
    return results


def changes(definition: SurveyDefinition, earlier: str, later: str) -> list[Change]:
    """Return each item's change in satisfied share between two waves, with its interval."""
    ratings = {(r.wave, r.item): r for r in satisfaction(definition)}
    results = []
    for item in definition.items:
        first, second = ratings.get((earlier, item.code)), ratings.get((later, item.code))
        if not first or not second or first.satisfied is None or second.satisfied is None:
            continue
        interval = difference_interval(
            first.satisfied, first.effective_n, second.satisfied, second.effective_n
        )
        results.append(
            Change(
                item.code, item.label, first, second, second.satisfied - first.satisfied, interval
            )
        )
    return results


def band_for(rating: float) -> str:
    if rating >= VERY_HIGH_PRIORITY:
        return "very high"
    if rating >= HIGH_PRIORITY:
        return "high"
    return "medium"


def quadrant_for(
    named: float, satisfied: float, importance_median: float, satisfaction_median: float
) -> str:
    important = named >= importance_median
    well_rated = satisfied >= satisfaction_median
    if important and not well_rated:
        return "act first"
    if important:
        return "maintain"
    if not well_rated:
        return "watch"
    return "lower priority"


def waves(definition: SurveyDefinition) -> list[str]:
    """Return the survey's waves, oldest first by their survey date (waves.py)."""
    return order_waves(wave_dates(definition))
