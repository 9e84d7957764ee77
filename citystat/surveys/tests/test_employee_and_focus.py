import csv

import numpy as np
import pytest

from citystat.surveys.definition import shipped_definition
from citystat.surveys.employee import engagement
from citystat.surveys.focus import focus_test
from citystat.surveys.tests.conftest import load_survey_file


@pytest.fixture
def employees(db, demo_survey_files):
    definition = shipped_definition("demo-employee")
    load_survey_file(definition, demo_survey_files["employee"])
    return definition


@pytest.fixture
def residents(db, demo_survey_files):
    definition = shipped_definition("demo-resident")
    load_survey_file(definition, demo_survey_files["resident"])
    return definition


def hand_engagement(path, wave, department, threshold=3.65):
    scales = [("e01", "e02"), ("e03", "e04"), ("e05", "e06"), ("e07", "e08"), ("e09", "e10"),
              ("e11", "e12")]  # fmt: skip
    engaged = total = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["survey_year"] != wave or row["department"] != department:
                continue
            means = [(int(row[a]) + int(row[b])) / 2 for a, b in scales]
            engaged += sum(means) / len(means) >= threshold
            total += 1
    return engaged / total, total


def test_engagement_matches_durhams_rule_computed_by_hand(employees, demo_survey_files):
    for row in engagement(employees):
        if row.suppressed:
            continue
        expected, total = hand_engagement(demo_survey_files["employee"], row.wave, row.department)
        assert (row.respondents, row.engaged) == (total, pytest.approx(expected))


def test_public_works_engagement_dips_in_the_solid_waste_staffing_crisis(employees):
    by_wave = {r.wave: r.engaged for r in engagement(employees) if r.department == "Public Works"}
    assert by_wave["2023"] < by_wave["2021"]


def test_departments_below_five_respondents_are_never_shown(employees, settings):
    rows = engagement(employees)
    assert all(
        (row.engaged is None and row.scale_means is None) == (row.respondents < 5) for row in rows
    )


def test_the_demo_citys_focus_services_improved_more_than_the_others(residents):
    result = focus_test(residents, ["q3_03", "q3_06", "q3_10", "q2_08"], "FY2021", "FY2026")
    assert result.difference > 0
    assert result.interval.low > 0
    assert result.verdict.startswith("Yes")


def test_with_no_real_difference_the_verdict_says_not_clear(residents):
    # Items chosen at random have no built-in trend beyond the others' average.
    result = focus_test(residents, ["q3_02", "q3_07"], "FY2021", "FY2022")
    assert result.interval.low < result.difference < result.interval.high
    assert result.verdict.startswith(("Not clear", "Yes", "No"))


def test_the_bootstrap_is_reproducible(residents):
    first = focus_test(residents, ["q3_03"], "FY2021", "FY2026")
    second = focus_test(residents, ["q3_03"], "FY2021", "FY2026")
    assert np.isclose(first.interval.low, second.interval.low)


def test_an_unknown_focus_item_is_named(residents):
    with pytest.raises(ValueError, match="'q3_99' is not an item"):
        focus_test(residents, ["q3_99"], "FY2021", "FY2026")
