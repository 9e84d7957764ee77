"""Survey waves accumulate, ordered by survey date; a wave is replaced only when asked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import kansas_city  # noqa: F401 (a fixture)
from citystat.surveys.definition import DEFINITIONS_FOLDER, shipped_definition
from citystat.surveys.files import SurveyFileError, publish_survey_file
from citystat.surveys.ratings import satisfaction, waves
from citystat.surveys.waves import label_date, order_waves

KC_FILE = Path(__file__).parent / "fixtures" / "kc_resident_survey_1qsep2021.csv"
KC_DEFINITION = DEFINITIONS_FOLDER / "kcmo-etc.yaml"


def kc_wave(tmp_path: Path, label: str, rows: slice) -> Path:
    """Write part of the real quarter as wave `label` (the same respondent ids may recur)."""
    frame = pd.read_csv(KC_FILE, dtype=str, keep_default_na=False).iloc[rows].copy()
    frame["quarte"] = label
    path = tmp_path / f"{label}.csv"
    frame.to_csv(path, index=False)
    return path


def hand_satisfied(path: Path, item: str) -> float:
    """Share of 4–5 among the 1–5 answers, computed with pandas alone."""
    answers = pd.to_numeric(pd.read_csv(path, dtype=str)[item], errors="coerce")
    rated = answers[answers.between(1, 5)]
    return float((rated >= 4).sum() / len(rated))


def published_count(label: str) -> int:
    with warehouse._connect() as connection:
        row = connection.execute(
            f"select count(*) from {warehouse.table_name('resident-survey')} where quarte = ?",
            [label],
        ).fetchone()
    return int(row[0]) if row else 0


def test_two_waves_loaded_in_turn_are_both_reported_in_survey_date_order(db, tmp_path, capsys):
    # Loaded newest first, and "1QSEP2022" < "3QMAR2022" as text: only their dates put
    # March 2022 before September 2022.
    september = kc_wave(tmp_path, "1QSEP2022", slice(0, 600))
    march = kc_wave(tmp_path, "3QMAR2022", slice(400, 1033))
    call_command("survey", "load", str(KC_DEFINITION), str(september))
    call_command("survey", "load", str(KC_DEFINITION), str(march))
    out = capsys.readouterr().out
    assert "resident-survey v2: 1,233 respondents published." in out
    assert out.rstrip().endswith("Waves, oldest first: 3QMAR2022, 1QSEP2022.")
    definition = shipped_definition("kcmo-etc")
    assert waves(definition) == ["3QMAR2022", "1QSEP2022"]
    rated = [r for r in satisfaction(definition) if r.item == "q3_01" and r.group is None]
    assert [r.wave for r in rated] == ["3QMAR2022", "1QSEP2022"]
    assert rated[0].satisfied == pytest.approx(hand_satisfied(march, "q3_01"), rel=1e-12)
    assert rated[1].satisfied == pytest.approx(hand_satisfied(september, "q3_01"), rel=1e-12)
    call_command("survey", "import", str(KC_DEFINITION))
    capsys.readouterr()
    call_command("survey", "report", "kcmo-etc", "--json")
    reported = [row["wave"] for row in json.loads(capsys.readouterr().out)]
    assert reported[0] == "3QMAR2022" and reported[-1] == "1QSEP2022"
    assert set(reported) == {"3QMAR2022", "1QSEP2022"}


def test_a_published_wave_is_refused_again_and_replaced_only_when_asked(db, tmp_path):
    definition = shipped_definition("kcmo-etc")
    publish_survey_file(definition, kc_wave(tmp_path, "3QMAR2022", slice(0, 500)))
    publish_survey_file(definition, kc_wave(tmp_path, "1QSEP2022", slice(500, 1033)))
    versions = DatasetVersion.objects.count()
    smaller = kc_wave(tmp_path, "3QMAR2022", slice(0, 120))
    with pytest.raises(SurveyFileError, match="3QMAR2022 already published; pass --replace-wave"):
        publish_survey_file(definition, smaller)
    assert DatasetVersion.objects.count() == versions and published_count("3QMAR2022") == 500
    publish_survey_file(definition, smaller, replace_wave="3QMAR2022")
    assert (published_count("3QMAR2022"), published_count("1QSEP2022")) == (120, 533)
    assert waves(definition) == ["3QMAR2022", "1QSEP2022"]


def test_replace_wave_refuses_an_unpublished_wave_and_a_file_of_other_waves(db, tmp_path):
    definition = shipped_definition("kcmo-etc")
    publish_survey_file(definition, kc_wave(tmp_path, "3QMAR2022", slice(0, 500)))
    with pytest.raises(SurveyFileError, match="wave '1QSEP2022' is not published"):
        publish_survey_file(
            definition, kc_wave(tmp_path, "1QSEP2022", slice(0, 9)), replace_wave="1QSEP2022"
        )
    both = tmp_path / "both.csv"
    frame = pd.read_csv(KC_FILE, dtype=str, keep_default_na=False).iloc[:10].copy()
    frame["quarte"] = ["3QMAR2022"] * 5 + ["1QSEP2022"] * 5
    frame.to_csv(both, index=False)
    with pytest.raises(SurveyFileError, match="holds wave\\(s\\) 1QSEP2022, 3QMAR2022"):
        publish_survey_file(definition, both, replace_wave="3QMAR2022")
    assert published_count("3QMAR2022") == 500 and waves(definition) == ["3QMAR2022"]


def test_the_command_replaces_a_wave(db, tmp_path, capsys):
    call_command(
        "survey", "load", str(KC_DEFINITION), str(kc_wave(tmp_path, "3QMAR2022", slice(0, 50)))
    )
    smaller = kc_wave(tmp_path, "3QMAR2022", slice(0, 20))
    with pytest.raises(CommandError, match="already published"):
        call_command("survey", "load", str(KC_DEFINITION), str(smaller))
    call_command("survey", "load", str(KC_DEFINITION), str(smaller), "--replace-wave", "3QMAR2022")
    assert "resident-survey v2: 20 respondents published." in capsys.readouterr().out


def test_a_wave_whose_label_names_no_date_is_refused_without_a_date_column(db, tmp_path):
    with pytest.raises(SurveyFileError, match="wave\\(s\\) Spring name no date"):
        publish_survey_file(
            shipped_definition("kcmo-etc"), kc_wave(tmp_path, "Spring", slice(0, 10))
        )
    assert not Dataset.objects.filter(slug="resident-survey").exists()


@pytest.mark.parametrize(
    ("label", "day"),
    [
        ("1QSEP2022", dt.date(2022, 9, 1)),
        ("3QMAR2022", dt.date(2022, 3, 1)),
        ("September 2021", dt.date(2021, 9, 1)),
        ("2023-06", dt.date(2023, 6, 1)),
        ("2023-06-15", dt.date(2023, 6, 15)),
        ("FY2024", dt.date(2024, 1, 1)),
        ("Spring", None),
        ("2021 to 2022", None),
    ],
)
def test_a_wave_label_is_read_as_a_date(label, day):
    assert label_date(label) == day


def test_undated_waves_come_after_dated_ones():
    dates = {"B": None, "1QSEP2022": dt.date(2022, 9, 1), "3QMAR2022": dt.date(2022, 3, 1)}
    assert order_waves(dates) == ["3QMAR2022", "1QSEP2022", "B"]


# A city whose definition names its columns its own way -------------------------------

OTHER_CITY = """\
slug: springfield
title: Springfield resident survey
kind: resident
dataset: springfield-survey
respondent: resp
wave: round
date: interviewed
district: ward
weight: wt
items:
  - {code: parks, label: Parks}
  - {code: streets, label: Streets}
"""


def other_city_wave(tmp_path: Path, label: str, day: str, answers: list[tuple[Any, ...]]) -> Path:
    rows = [
        {"resp": number, "round": label, "interviewed": day, "ward": ward, "wt": weight,
         "parks": parks, "streets": 3}
        for number, (ward, weight, parks) in enumerate(answers, start=1)
    ]  # fmt: skip
    path = tmp_path / f"{label}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.usefixtures("kansas_city")
def test_measures_over_a_survey_compute_with_the_citys_own_field_names(tmp_path):
    definition_file = tmp_path / "springfield.yaml"
    definition_file.write_text(OTHER_CITY, encoding="utf-8")
    first = other_city_wave(
        tmp_path,
        "Round A",
        "2023-03-15",
        [(1, 1.0, 5), (1, 2.0, 2), (2, 1.5, 4), (2, 1.0, 9), (1, 0.7, 3), (2, 1.2, 5), (1, 1.1, 4)],
    )
    second = other_city_wave(
        tmp_path,
        "Round B",
        "2023-09-20",
        [(1, 1.0, 4), (1, 1.0, 4), (2, 3.0, 1), (2, 0.5, 5), (1, 2.5, 2), (2, 0.8, 9), (2, 1.0, 1)],
    )
    call_command("survey", "load", str(definition_file), str(second), verbosity=0)
    call_command("survey", "load", str(definition_file), str(first), verbosity=0)
    measure = add_measure(
        "parks",
        {
            "dataset": "springfield-survey",
            "date": "interviewed",
            "grain": "month",
            "aggregate": "share",
            "filter": "parks between 1 and 5",
            "condition": "parks >= 4",
            "survey": {"weight": "wt"},
        },
    )
    report = compute_measures([measure])
    assert not report.failed, report.failed
    values = {
        row.period: row.value
        for row in MeasureValue.objects.filter(measure=measure, breakdown="")
        if row.value is not None
    }
    expected = {}
    for path in (first, second):
        frame = pd.read_csv(path)
        rated = frame[frame["parks"].between(1, 5)]
        month = pd.Timestamp(rated["interviewed"].iloc[0]).strftime("%Y-%m")
        expected[month] = 100 * rated.loc[rated["parks"] >= 4, "wt"].sum() / rated["wt"].sum()
    assert values == pytest.approx(expected, rel=1e-12)
