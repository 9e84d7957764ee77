"""Ratings and priorities for Kansas City's real survey quarter, checked independently."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from citystat.catalog.ingest import IngestError
from citystat.surveys.definition import shipped_definition
from citystat.surveys.ratings import band_for, importance, priorities, satisfaction
from citystat.surveys.tests.conftest import load_survey_file

KC_FILE = Path(__file__).parent / "fixtures" / "kc_resident_survey_1qsep2021.csv"


def read_rows(path: Path = KC_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def kc(db):
    definition = shipped_definition("kcmo-etc")
    load_survey_file(definition, KC_FILE)
    return definition


def hand_satisfaction(rows, item, district=None):
    """Share of 4–5 among answers 1–5, computed without the warehouse."""
    answers = [
        int(row[item])
        for row in rows
        if row[item] in {"1", "2", "3", "4", "5"}
        and (district is None or row["counci"] == district)
    ]
    return sum(answer >= 4 for answer in answers) / len(answers), len(answers)


def test_satisfaction_matches_a_hand_count_for_every_item(kc):
    rows = read_rows()
    for rating in satisfaction(kc):
        expected, answered = hand_satisfaction(rows, rating.item)
        assert rating.answered == answered
        assert rating.satisfied == pytest.approx(expected)


def test_dont_know_answers_are_left_out_of_the_share(kc):
    police = next(rating for rating in satisfaction(kc) if rating.item == "q3_01")
    # 1,033 respondents, 38 answered 9 ("don't know").
    assert police.answered == 1033 - 38


def test_satisfaction_by_council_district_matches_a_hand_count(kc):
    rows = read_rows()
    for rating in satisfaction(kc, by="counci"):
        expected, answered = hand_satisfaction(rows, rating.item, district=rating.group)
        assert (rating.answered, rating.satisfied) == (answered, pytest.approx(expected))


def test_the_interval_contains_the_share_and_narrows_with_more_answers(kc):
    citywide = {r.item: r for r in satisfaction(kc)}
    district = {r.item: r for r in satisfaction(kc, by="counci") if r.group == "3"}
    streets, streets_district = citywide["q3_03"], district["q3_03"]
    assert streets.interval.low < streets.satisfied < streets.interval.high
    width = streets.interval.high - streets.interval.low
    assert width < streets_district.interval.high - streets_district.interval.low


def test_importance_is_the_share_of_respondents_naming_the_item_in_any_pick(kc):
    rows = read_rows()
    named = Counter()
    for row in rows:
        for item in {row["q4_01"], row["q4_02"], row["q4_03"]} - {"NA", "99", ""}:
            named[f"q3_{int(item):02d}"] += 1
    shares = {entry.item: entry.importance for entry in importance(kc)}
    for item, count in named.items():
        assert shares[item] == pytest.approx(count / len(rows))


def test_streets_are_kansas_citys_top_priority_with_the_independent_formula(kc):
    ranked = priorities(kc)[("1QSEP2021", None)]
    rows = read_rows()
    top = ranked[0]
    satisfied, _ = hand_satisfaction(rows, top.item)
    named = sum(1 for row in rows if "3" in {row["q4_01"], row["q4_02"], row["q4_03"]}) / len(rows)
    assert top.item == "q3_03"
    assert top.rating == pytest.approx(named * (1 - satisfied))
    assert top.band == "very high" and top.quadrant == "act first"
    assert [p.rank for p in ranked] == list(range(1, len(ranked) + 1))


def test_priority_bands_follow_etcs_thresholds():
    assert [band_for(value) for value in (0.25, 0.2, 0.15, 0.1, 0.05)] == [
        "very high",
        "very high",
        "high",
        "high",
        "medium",
    ]


def test_groups_below_the_anonymity_threshold_are_suppressed(kc):
    by_race = satisfaction(kc, by="q37_race")
    small = [r for r in by_race if r.answered < kc.minimum_group_size]
    assert small, "the real quarter has groups of five or fewer respondents"
    assert all(r.satisfied is None and r.mean is None and r.interval is None for r in small)
    assert all(r.satisfied is not None for r in by_race if r.answered >= kc.minimum_group_size)


def test_a_code_outside_the_scale_refuses_the_file_and_publishes_nothing(db, tmp_path):
    definition = shipped_definition("kcmo-etc")
    rows = read_rows()
    rows[4]["q3_05"] = "7"
    broken = tmp_path / "survey.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(IngestError, match=r"line 6, field 'q3_05', value '7'"):
        load_survey_file(definition, broken)
