"""Satisfaction, importance and importance–satisfaction priorities from survey answers.

Everything is computed in the warehouse from respondent-level rows, through
`catalog.warehouse`; column names come from a checked SurveyDefinition and are quoted,
values are bound as parameters.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.utils.translation import pgettext_lazy

from citystat.catalog import warehouse
from citystat.catalog.warehouse import quote_identifier
from citystat.lib.stats import (
    Interval,
    difference_interval,
    effective_sample_size,
    wilson_interval,
)
from citystat.surveys.definition import SurveyDefinition
from citystat.surveys.waves import order_waves, wave_dates, wave_ranks

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
    rows = query(
        definition,
        by,
        wave,
        item_columns=[item.code for item in definition.items],
        aggregate=(
            "count(*) as answered, sum(__w) as weight_sum, sum(__w * __w) as weight_squares, "
            "sum(case when list_contains(?, __value) then __w else 0 end) as satisfied_weight, "
            "sum(__w * __value) as value_weight"
        ),
        where="__value between ? and ?",
        parameters=[list(scale.satisfied), scale.minimum, scale.maximum],
    )
    ratings = []
    for (
        wave_label,
        group,
        item,
        answered,
        weight_sum,
        squares,
        satisfied_weight,
        value_weight,
    ) in rows:
        label = definition.item(item).label
        if answered < definition.minimum_group_size or not weight_sum:
            ratings.append(
                ItemRating(item, label, wave_label, group, answered, None, None, 0, None)
            )
            continue
        share = satisfied_weight / weight_sum
        n_eff = effective_sample_size(weight_sum, squares)
        ratings.append(
            ItemRating(
                item=item,
                label=label,
                wave=wave_label,
                group=group,
                answered=answered,
                satisfied=share,
                mean=value_weight / weight_sum,
                effective_n=n_eff,
                interval=wilson_interval(share, n_eff),
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
    """Return the share of respondents naming each item among their top picks."""
    if definition.importance is None:
        return []
    picks = definition.importance
    relation = warehouse.table_name(definition.dataset)
    respondent = (
        quote_identifier(definition.respondent) if definition.respondent else "row_number() over ()"
    )
    pick_columns = ", ".join(
        f"try_cast({quote_identifier(column)} as integer) as {quote_identifier(column)}"
        for column in picks.columns
    )
    unpivot_on = ", ".join(quote_identifier(column) for column in picks.columns)
    base, parameters = base_select(definition, by, wave)
    sql = f"""
        with respondents as (
            select {respondent} as __respondent, {base}, {pick_columns}
            from {relation} {wave_filter(definition, wave)}
        ),
        totals as (
            select __wave, __group, count(*) as respondents, sum(__w) as weight_sum
            from respondents group by all
        ),
        named as (
            select distinct __respondent, __wave, __group, __w, __code
            from (unpivot respondents on {unpivot_on} into name __column value __code)
        )
        select totals.__wave, totals.__group, named.__code, totals.respondents,
               sum(named.__w) / totals.weight_sum
        -- The citywide group is NULL, which a plain equality join would drop.
        from named join totals
          on named.__wave = totals.__wave and named.__group is not distinct from totals.__group
        group by totals.__wave, totals.__group, named.__code, totals.respondents,
                 totals.weight_sum
    """
    with warehouse.connect() as connection:
        rows = connection.execute(sql, parameters).fetchall()
    results = []
    for wave_label, group, code, respondents, share in rows:
        item = picks.codes.get(int(code))
        if item is None:
            continue  # "none of these" and codes outside the list name no service
        if respondents < definition.minimum_group_size:
            continue
        results.append(ItemImportance(item, str(wave_label), group, respondents, float(share)))
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


def base_select(
    definition: SurveyDefinition, by: str | None, wave: str | None
) -> tuple[str, list[Any]]:
    """Return the select list of wave, group and weight, and the wave filter's parameters."""
    if by is not None and by not in definition.columns():
        raise ValueError(f"{by!r} is not a column of survey {definition.slug!r}")
    group = f"{quote_identifier(by)}::varchar" if by else "null::varchar"
    weight = (
        f"coalesce(try_cast({quote_identifier(definition.weight)} as double), 1.0)"
        if definition.weight
        else "1.0::double"
    )
    wave_column = f"{quote_identifier(definition.wave)}::varchar"
    parameters: list[Any] = [wave] if wave is not None else []
    return f"{wave_column} as __wave, {group} as __group, {weight} as __w", parameters


def wave_filter(definition: SurveyDefinition, wave: str | None) -> str:
    if wave is None:
        return ""
    return f"where {quote_identifier(definition.wave)}::varchar = ?"


def query(
    definition: SurveyDefinition,
    by: str | None,
    wave: str | None,
    item_columns: list[str],
    aggregate: str,
    where: str,
    parameters: list[Any],
) -> list[tuple]:
    """Unpivot the item columns and aggregate per wave, group and item."""
    relation = warehouse.table_name(definition.dataset)
    base, wave_parameters = base_select(definition, by, wave)
    values = ", ".join(
        f"try_cast({quote_identifier(column)} as integer) as {quote_identifier(column)}"
        for column in item_columns
    )
    unpivot_on = ", ".join(quote_identifier(column) for column in item_columns)
    sql = f"""
        select __wave, __group, __item, {aggregate}
        from (
            unpivot (select {base}, {values} from {relation} {wave_filter(definition, wave)})
            on {unpivot_on} into name __item value __value
        )
        where {where}
        group by all
    """
    aggregate_parameters = parameters[: aggregate.count("?")]
    where_parameters = parameters[aggregate.count("?") :]
    with warehouse.connect() as connection:
        return connection.execute(
            sql, [*aggregate_parameters, *wave_parameters, *where_parameters]
        ).fetchall()
