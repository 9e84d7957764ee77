"""A survey file that does not fit its definition is refused whole, its problems listed."""

from __future__ import annotations

import csv

import pytest

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.surveys.definition import shipped_definition
from citystat.surveys.files import SurveyFileError, publish_survey_file


@pytest.fixture
def resident(db):
    return shipped_definition("demo-resident")


def rewrite(source, target, change) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows = change(rows)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_good_file_is_published(resident, demo_survey_files):
    version = publish_survey_file(resident, demo_survey_files["resident"])
    assert version.status == DatasetVersion.Status.PUBLISHED and version.row_count > 1000


def test_bad_codes_and_a_negative_weight_list_the_first_ten_problems_and_publish_nothing(
    resident, demo_survey_files, tmp_path
):
    good = publish_survey_file(resident, demo_survey_files["resident"])
    published_rows = warehouse.row_count("resident-survey")

    def spoil(rows):
        for row in rows:  # later waves, FY2031 on: a file of new waves adds to the survey
            row["wave"] = row["wave"].replace("FY202", "FY203")
        for number in range(11):
            rows[number]["q3_05"] = "7"  # file lines 2..12
        rows[20]["weight"] = "-0.5"  # file line 22
        return rows

    broken = tmp_path / "resident.csv"
    rewrite(demo_survey_files["resident"], broken, spoil)
    with pytest.raises(SurveyFileError) as raised:
        publish_survey_file(resident, broken)
    problems = raised.value.problems
    assert len(problems) == 10
    assert (
        problems[0] == "line 2, column 'q3_05': answer '7' is not on the scale (1–5 or 9 "
        "(don't know))."
    )
    message = str(raised.value)
    assert message.startswith("resident.csv: refused, nothing was published (12 problems):")
    assert message.endswith("… and 2 more")
    # The published survey is the good file still.
    dataset = Dataset.objects.get(slug="resident-survey")
    assert dataset.latest_version == good
    assert warehouse.row_count("resident-survey") == published_rows


def test_a_negative_weight_is_named(resident, demo_survey_files, tmp_path):
    broken = tmp_path / "resident.csv"
    rewrite(
        demo_survey_files["resident"], broken, lambda rows: [{**rows[0], "weight": "-2"}] + rows[1:]
    )
    with pytest.raises(SurveyFileError) as raised:
        publish_survey_file(resident, broken)
    assert raised.value.problems == [
        "line 2, column 'weight': weight '-2' — weights are numbers of 0 or more."
    ]
    assert not DatasetVersion.objects.filter(status=DatasetVersion.Status.PUBLISHED).exists()


def test_columns_the_definition_names_but_the_file_lacks_are_named(
    resident, demo_survey_files, tmp_path
):
    broken = tmp_path / "resident.csv"

    def rename(rows):
        return [
            {("q3_5" if key == "q3_05" else key): value for key, value in row.items()}
            for row in rows
        ]

    rewrite(demo_survey_files["resident"], broken, rename)
    with pytest.raises(SurveyFileError, match=r"has no column 'q3_05' \(did you mean 'q3_5'\?\)"):
        publish_survey_file(resident, broken)
    assert not Dataset.objects.filter(slug="resident-survey").exists()
