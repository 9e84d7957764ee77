"""The one survey share: its parts summed by an engine, and finished with its interval."""

import math

import ibis
import pandas as pd
import pytest

from citystat.lib.stats import wilson_interval
from citystat.lib.survey_shares import NO_WEIGHT, SUPPRESSED, finish_share, share_parts

FRAME = pd.DataFrame(
    {
        "group": ["a"] * 6 + ["b"] * 3,
        "answer": [5, 4, 2, 1, 4, 3, 5, 5, 1],
        "weight": [1.5, 0.5, 2.0, 1.0, 0.25, 0.75, 1.0, 1.0, 1.0],
    }
)


def engine_parts(weighted: bool) -> dict[str, dict[str, float]]:
    table = ibis.memtable(FRAME)
    weight = table.weight if weighted else None
    expression = table.group_by("group").aggregate(
        **share_parts(table.answer >= 4, table.count(), weight)
    )
    rows = ibis.duckdb.connect().to_pyarrow(expression).to_pylist()
    return {row.pop("group"): row for row in rows}


def test_weighted_parts_and_share_match_a_hand_computation():
    parts = engine_parts(weighted=True)["a"]
    rows = FRAME[FRAME.group == "a"]
    satisfied = rows.weight.where(rows.answer >= 4, 0.0).sum()
    assert parts == {
        "numerator": satisfied,
        "denominator": rows.weight.sum(),
        "respondents": 6,
        "weight_squares": (rows.weight**2).sum(),
    }
    share = finish_share(**parts, weighted=True)
    kish = rows.weight.sum() ** 2 / (rows.weight**2).sum()
    assert share.share == pytest.approx(satisfied / rows.weight.sum())
    assert share.effective_n == pytest.approx(kish) and kish < 6
    assert share.interval == wilson_interval(share.share, share.effective_n)


def test_unweighted_share_counts_each_respondent_once():
    parts = engine_parts(weighted=False)["a"]
    assert parts == {"numerator": 3, "denominator": 6, "respondents": 6}
    share = finish_share(**parts, weighted=False)
    assert (share.share, share.effective_n) == (0.5, 6)


def test_a_group_below_the_minimum_is_withheld_entirely():
    share = finish_share(**engine_parts(weighted=True)["b"], weighted=True)
    assert (share.share, share.interval, share.withheld) == (None, None, SUPPRESSED)
    assert finish_share(2, 3, 3, weighted=False, minimum=3).share == pytest.approx(2 / 3)


def test_weights_adding_to_zero_give_no_share_rather_than_a_division_by_zero():
    share = finish_share(0.0, 0.0, 8, 0.0, weighted=True)
    assert (share.share, share.withheld, share.respondents) == (None, NO_WEIGHT, 8)


def test_a_share_a_hair_past_one_from_rounding_is_clamped():
    share = finish_share(1.0000000000000002, 1.0, 10, 0.1, weighted=True)
    assert share.share == 1.0 and math.isclose(share.effective_n, 10)
