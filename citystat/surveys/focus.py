"""Kansas City's focus test: did satisfaction rise more where the plan chose to focus?

A difference-in-differences over survey items: the mean change in satisfied share of the
focus items minus that of the other items, between two waves. Its interval comes from a
bootstrap over respondents within each wave, because one respondent's answers to
different items are correlated and an item-by-item formula would claim too much.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
from django.utils.translation import gettext as _

from citystat.catalog.engines import open_session
from citystat.lib.stats import Interval
from citystat.plan import display
from citystat.surveys.answers import WEIGHT, answer, answers_table, as_number, in_wave, weight_of
from citystat.surveys.definition import SurveyDefinition

BOOTSTRAP_SAMPLES = 2000
RESPONDENT = "__respondent"


@dataclass(frozen=True)
class FocusTest:
    earlier: str
    later: str
    focus_items: tuple[str, ...]
    other_items: tuple[str, ...]
    focus_change: float
    other_change: float
    difference: float
    interval: Interval

    @property
    def verdict(self) -> str:
        """Say in plain words what the test found."""
        points = {"points": display.number(abs(self.difference) * 100, 1)}
        if self.interval.low > 0:
            return (
                _(
                    "Yes: satisfaction with the services the plan focused on rose %(points)s "
                    "points more than with the others, more than chance would explain."
                )
                % points
            )
        if self.interval.high < 0:
            return (
                _(
                    "No: satisfaction with the focus services rose %(points)s points less "
                    "than with the others, more than chance would explain."
                )
                % points
            )
        return _(
            "Not clear: the focus services changed about as much as the others; the "
            "difference is within what chance alone could produce."
        )


def focus_test(
    definition: SurveyDefinition,
    focus_items: list[str],
    earlier: str,
    later: str,
    seed: int = 2024,
) -> FocusTest:
    """Compare the change in satisfied share of `focus_items` with the other items."""
    codes = [item.code for item in definition.items]
    unknown = [item for item in focus_items if item not in codes]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not an item of survey {definition.slug!r}")
    others = [code for code in codes if code not in focus_items]
    if not focus_items or not others:
        raise ValueError("the focus test needs focus items and other items to compare")
    first = satisfied_matrix(definition, earlier, codes)
    second = satisfied_matrix(definition, later, codes)
    focus_index = [codes.index(item) for item in focus_items]
    other_index = [codes.index(item) for item in others]

    def statistic(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]):
        change = item_shares(*b) - item_shares(*a)
        return np.nanmean(change[focus_index]), np.nanmean(change[other_index])

    focus_change, other_change = statistic(first, second)
    rng = np.random.default_rng(seed)
    draws = np.empty(BOOTSTRAP_SAMPLES)
    for draw in range(BOOTSTRAP_SAMPLES):
        a = resample(first, rng)
        b = resample(second, rng)
        focus_delta, other_delta = statistic(a, b)
        draws[draw] = focus_delta - other_delta
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return FocusTest(
        earlier=earlier,
        later=later,
        focus_items=tuple(focus_items),
        other_items=tuple(others),
        focus_change=float(focus_change),
        other_change=float(other_change),
        difference=float(focus_change - other_change),
        interval=Interval(float(low), float(high)),
    )


def satisfied_matrix(
    definition: SurveyDefinition, wave: str, codes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (respondents × items: 1 satisfied, 0 not, NaN no opinion) and weights."""
    scale = definition.scale
    with open_session() as session:

        def build() -> ir.Table:
            table = in_wave(answers_table(session, definition), definition, wave)
            columns: dict[str, ir.Value] = {WEIGHT: weight_of(table, definition)}
            for index, code in enumerate(codes):
                answer = as_number(table[code], "int64")
                on_scale = answer.between(scale.minimum, scale.maximum).fill_null(False)
                # 1 satisfied, 0 not, empty for no opinion ("don't know" or no answer).
                # Through ifelse, not a cast: PostgreSQL casts no boolean to a number.
                satisfied = answer.isin(list(scale.satisfied)).ifelse(1.0, 0.0)
                columns[f"item_{index}"] = on_scale.ifelse(satisfied, ibis.null("float64"))
            if not definition.respondent:
                return table.select(**columns)
            # By respondent, so the seeded bootstrap draws the same respondents on every
            # engine (a scan's order is the engine's own); without an id, the file's order.
            selected = table.select(**columns, **{RESPONDENT: table[definition.respondent]})
            return selected.order_by(RESPONDENT)

        inputs = {"statistic": "focus", "definition": definition, "wave": wave, "codes": codes}
        found = answer(session, definition.dataset, inputs, build)
    if not found.num_rows:
        raise ValueError(f"survey {definition.slug!r} has no answers in wave {wave!r}")
    matrix = np.column_stack(
        [
            found.column(f"item_{index}").to_numpy(zero_copy_only=False)
            for index in range(len(codes))
        ]
    ).astype(float)
    weights = found.column(WEIGHT).to_numpy(zero_copy_only=False).astype(float)
    return matrix, weights


def item_shares(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    answered = ~np.isnan(matrix)
    weighted = np.where(answered, matrix, 0.0) * weights[:, None]
    totals = (answered * weights[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return weighted.sum(axis=0) / totals


def resample(
    sample: tuple[np.ndarray, np.ndarray], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    matrix, weights = sample
    chosen = rng.integers(0, len(weights), len(weights))
    return matrix[chosen], weights[chosen]
