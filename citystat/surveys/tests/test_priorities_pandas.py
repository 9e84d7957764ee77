"""Every importance–satisfaction result for Kansas City's real quarter, recomputed with
plain pandas from the respondent file — citywide and in each council district."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from citystat.surveys.definition import shipped_definition
from citystat.surveys.ratings import priorities
from citystat.surveys.tests.conftest import load_survey_file
from citystat.surveys.tests.test_ratings import KC_FILE

ITEMS = [f"q3_{number:02d}" for number in range(1, 17)]
PICKS = ["q4_01", "q4_02", "q4_03"]


@pytest.fixture
def kc(db):
    definition = shipped_definition("kcmo-etc")
    load_survey_file(definition, KC_FILE)
    return definition


def pandas_priorities(frame: pd.DataFrame) -> pd.DataFrame:
    """I-S = (share naming the item in any pick) × (1 − share of 4–5 among answers 1–5)."""
    answers = frame[ITEMS].apply(pd.to_numeric, errors="coerce")
    with_opinion = answers.where((answers >= 1) & (answers <= 5))
    satisfaction = (with_opinion >= 4).sum() / with_opinion.notna().sum()
    picks = frame[PICKS].apply(pd.to_numeric, errors="coerce")
    named = pd.Series(
        {item: picks.eq(number).any(axis=1).mean() for number, item in enumerate(ITEMS, 1)}
    )
    table = pd.DataFrame({"importance": named, "satisfaction": satisfaction})
    table["rating"] = table.importance * (1 - table.satisfaction)
    table["band"] = pd.cut(
        table.rating, [-1, 0.10, 0.20, 2], right=False, labels=["medium", "high", "very high"]
    ).astype(str)
    important = table.importance >= table.importance.median()
    well_rated = table.satisfaction >= table.satisfaction.median()
    table["quadrant"] = [
        ("maintain" if good else "act first") if big else ("lower priority" if good else "watch")
        for big, good in zip(important, well_rated, strict=True)
    ]
    return table.sort_values("rating", ascending=False)


def compare(ours: list[Any], expected: pd.DataFrame) -> None:
    assert [p.item for p in ours] == list(expected.index)
    for priority in ours:
        row = expected.loc[priority.item]
        assert priority.importance == pytest.approx(row.importance)
        assert priority.satisfaction == pytest.approx(row.satisfaction)
        assert priority.rating == pytest.approx(row.rating)
        assert (priority.band, priority.quadrant) == (row.band, row.quadrant)


def test_citywide_priorities_match_pandas(kc):
    frame = pd.read_csv(KC_FILE, dtype=str, keep_default_na=False)
    compare(priorities(kc)[("1QSEP2021", None)], pandas_priorities(frame))


def test_priorities_in_every_council_district_match_pandas(kc):
    frame = pd.read_csv(KC_FILE, dtype=str, keep_default_na=False)
    ours = priorities(kc, by="counci")
    districts = sorted(set(frame.counci) - {"", "NA"})
    assert {group for _wave, group in ours} == set(districts)
    for district in districts:
        compare(ours[("1QSEP2021", district)], pandas_priorities(frame[frame.counci == district]))
