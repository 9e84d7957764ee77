"""Fewer than five respondents are never shown: every output is scanned for the small group.

The employee survey gets a department of three respondents (the City Auditor's office);
its engagement must appear nowhere — not on the staff page, in `citystat survey report`,
in a plan measure's stored values, `citystat values` or the REST API.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from citystat.accounts.permissions import Role
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.demo.datasets import employee_survey_schema
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.surveys.definition import DEFINITIONS_FOLDER
from citystat.surveys.documents import import_survey
from citystat.surveys.tests.test_pages import staff_member

SMALL = "City Auditor"
ENGAGED_INDEX = (
    "(e01 + e02 + e03 + e04 + e05 + e06 + e07 + e08 + e09 + e10 + e11 + e12) / 12 >= 3.65"
)


@pytest.fixture
def survey_with_a_small_department(db, demo_survey_files, tmp_path):
    source = demo_survey_files["employee"]
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    wave = rows[-1]["survey_year"]
    extra = [
        {**rows[-1], "respondent_id": str(900_000 + n), "department": SMALL, "survey_year": wave}
        for n in range(3)
    ]
    path = tmp_path / "employee_survey.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + extra)
    # Typed as the demo city types it (survey_year a number), so a plan measure can use it.
    dataset = Dataset.objects.create(
        slug="employee-survey",
        title="Employee survey",
        table_schema=employee_survey_schema(),
        is_public=False,
    )
    ingest(dataset, path)
    return import_survey(DEFINITIONS_FOLDER / "demo-employee.yaml", is_public=False)


@pytest.fixture
def engagement_measure(survey_with_a_small_department):
    CityProfile.objects.create(
        name="Demo City", fiscal_year_start_month=5, fiscal_year_start_day=1, languages=["en"]
    )
    measure = add_measure(
        "engagement-index",
        {
            "dataset": "employee-survey",
            "date": "survey_year",
            "aggregate": "share",
            "condition": ENGAGED_INDEX,
            "grain": "year",
            "breakdowns": ["department"],
            "survey": True,
        },
        unit="percent",
    )
    report = compute_measures([measure])
    assert not report.failed, report.failed
    return measure


def test_the_small_department_has_no_engagement_on_the_staff_page(
    client, survey_with_a_small_department
):
    client.force_login(staff_member(Role.PERFORMANCE_STAFF))
    body = client.get("/staff/surveys/demo-employee/").content.decode()
    row = body[body.index(f">{SMALL}<") :].split("</tr>")[0]
    assert "Fewer than five respondents: not shown" in row and "%" not in row


def test_the_survey_report_never_values_the_small_department(survey_with_a_small_department):
    out = io.StringIO()
    call_command("survey", "report", "demo-employee", "--json", stdout=out)
    small = [row for row in json.loads(out.getvalue()) if row["department"] == SMALL]
    assert small and all(
        row["engaged"] is None and row["scale_means"] is None and row["interval"] is None
        for row in small
    )


def test_a_plan_measure_stores_no_value_interval_or_count_for_the_small_department(
    engagement_measure,
):
    small = MeasureValue.objects.filter(measure=engagement_measure, breakdown_value=SMALL)
    assert small.exists()
    for value in small:
        assert (value.value, value.numerator, value.denominator) == (None, None, None)
        assert (value.ci_lower, value.ci_upper, value.ci_n) == (None, None, None)
    shown = MeasureValue.objects.filter(measure=engagement_measure, value__isnull=False)
    assert shown.exists() and all(value.ci_n >= 5 for value in shown)


def test_citystat_values_prints_no_value_for_the_small_department(engagement_measure):
    out = io.StringIO()
    call_command("values", "engagement-index", "--by", "department", "--json", stdout=out)
    small = [row for row in json.loads(out.getvalue()) if row["breakdown_value"] == SMALL]
    assert small and all(
        row["value"] is None and row["ci_n"] is None and "fewer than 5" in row["source_note"]
        for row in small
    )
    out = io.StringIO()
    call_command("values", "engagement-index", "--by", "department", "--csv", stdout=out)
    rows = [
        row
        for row in csv.DictReader(io.StringIO(out.getvalue()))
        if row["breakdown_value"] == SMALL
    ]
    assert rows and all(row["value"] == row["ci_n"] == row["numerator"] == "" for row in rows)


def test_the_rest_api_gives_no_value_for_the_small_department(client, engagement_measure):
    response = client.get("/api/v1/measures/engagement-index/values/", {"breakdown": "department"})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    small = [row for row in rows if row["breakdown_value"] == SMALL]
    assert small and all(
        row["value"] is None and row["ci_n"] is None and row["numerator"] is None for row in small
    )
