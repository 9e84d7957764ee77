"""Survey measures with their intervals, and ratios whose parts come from other datasets.

Every expected number is worked out by hand from the small tables below.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan.compute.run import STORED_COLUMNS, compute_measures, measures_reading
from citystat.plan.compute.spec import SpecError, check_spec
from citystat.plan.documents import PlanDocumentError, load_plan
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_SCHEMA
from citystat.plan.tests.test_plan_files import PLAN

SURVEY_SCHEMA = {
    "fields": [
        {"name": "respondent_id", "type": "integer"},
        {"name": "survey_date", "type": "date"},
        {"name": "council_district", "type": "integer"},
        {"name": "weight", "type": "number"},
        {"name": "q_trash", "type": "integer"},
    ]
}
# Respondent 4 answered "don't know" (9) and respondent 10 has no weight. District 2 has
# only two respondents with an opinion.
SURVEY_CSV = """respondent_id,survey_date,council_district,weight,q_trash
1,2024-06-01,1,1.0,5
2,2024-06-01,1,2.0,4
3,2024-06-01,1,1.0,2
4,2024-06-01,1,0.5,9
5,2024-06-01,1,1.5,3
6,2024-06-01,1,1.0,4
7,2024-06-01,1,1.0,1
8,2024-06-01,2,2.0,5
9,2024-06-01,2,1.0,1
10,2024-06-01,1,,5
"""
SPENDING_SCHEMA = {
    "fields": [
        {"name": "fiscal_year", "type": "integer"},
        {"name": "category", "type": "string"},
        {"name": "actual", "type": "number"},
    ]
}
SPENDING_CSV = """fiscal_year,category,actual
2024,Pothole,300
2025,Pothole,1000
2025,Trash,500
2026,Pothole,700
"""
SATISFIED_WITH_TRASH = {
    "dataset": "survey",
    "date": "survey_date",
    "filter": "q_trash between 1 and 5",
    "aggregate": "share",
    "condition": "q_trash >= 4",
    "grain": "fiscal_year",
    "breakdowns": ["council_district"],
    "survey": {"weight": "weight"},
}


def load(slug: str, schema: dict[str, Any], text: str, folder) -> Dataset:
    dataset = Dataset.objects.create(
        slug=slug, title=slug, table_schema=schema, update_frequency="yearly"
    )
    path = folder / f"{slug}.csv"
    path.write_text(text, encoding="utf-8")
    ingest(dataset, path)
    return dataset


@pytest.fixture
def survey(requests, tmp_path):
    return load("survey", SURVEY_SCHEMA, SURVEY_CSV, tmp_path)


@pytest.fixture
def spending(requests, tmp_path):
    return load("spending", SPENDING_SCHEMA, SPENDING_CSV, tmp_path)


def measure(slug: str, spec: dict[str, Any]) -> Measure:
    return add_measure(slug, spec, unit="percent")


def stored(slug: str, breakdown: str = "") -> dict[str, MeasureValue]:
    rows = MeasureValue.objects.filter(measure__slug=slug, breakdown=breakdown)
    return {f"{row.period} {row.breakdown_value}".strip(): row for row in rows}


def wilson(share: float, size: float) -> tuple[float, float]:
    """The Wilson score interval written out again, independently of citystat.lib.stats."""
    z = 1.959963984540054
    centre = share + z * z / (2 * size)
    spread = z * math.sqrt(share * (1 - share) / size + z * z / (4 * size * size))
    return (centre - spread) / (1 + z * z / size), (centre + spread) / (1 + z * z / size)


@pytest.mark.usefixtures("survey")
def test_a_weighted_survey_share_is_stored_with_its_wilson_interval_on_the_effective_n():
    measure("trash-satisfaction", SATISFIED_WITH_TRASH)
    report = compute_measures()
    assert not report.failed, report.failed
    overall = stored("trash-satisfaction")["FY2025"]
    # With an opinion and a weight: respondents 1-3 and 5-9. Weights 1, 2, 1, 1.5, 1, 1,
    # 2, 1 add to 10.5; the satisfied (1, 2, 6, 8) weigh 1 + 2 + 1 + 2 = 6.
    assert overall.value == pytest.approx(100 * 6 / 10.5)
    assert overall.ci_n == 8
    # Kish: 10.5² / (1 + 4 + 1 + 2.25 + 1 + 1 + 4 + 1) = 110.25 / 15.25.
    low, high = wilson(6 / 10.5, 110.25 / 15.25)
    assert (overall.ci_lower, overall.ci_upper) == (
        pytest.approx(100 * low),
        pytest.approx(100 * high),
    )
    assert overall.ci_lower < overall.value < overall.ci_upper


@pytest.mark.usefixtures("survey")
def test_a_district_with_fewer_than_five_respondents_is_never_stored_with_a_value():
    measure("trash-satisfaction", SATISFIED_WITH_TRASH)
    compute_measures()
    by_district = stored("trash-satisfaction", "council_district")
    first = by_district["FY2025 1"]
    assert first.value == pytest.approx(100 * (1 + 2 + 1) / 7.5) and first.ci_n == 6
    second = by_district["FY2025 2"]
    assert (second.value, second.ci_lower, second.ci_upper, second.ci_n) == (None,) * 4
    assert (second.numerator, second.denominator) == (None, None)
    assert "fewer than 5 respondents" in second.source_note


@pytest.mark.usefixtures("survey")
def test_an_unweighted_survey_share_uses_the_count_of_respondents():
    spec = {**SATISFIED_WITH_TRASH, "survey": True, "breakdowns": []}
    measure("trash-unweighted", spec)
    compute_measures()
    overall = stored("trash-unweighted")["FY2025"]
    # Respondent 10 counts here (no weight needed): 9 with an opinion, 5 satisfied.
    assert overall.value == pytest.approx(100 * 5 / 9) and overall.ci_n == 9
    low, high = wilson(5 / 9, 9)
    assert overall.ci_lower == pytest.approx(100 * low)
    assert overall.ci_upper == pytest.approx(100 * high)


def test_other_measures_have_no_interval(requests):
    measure(
        "count",
        {
            "dataset": "requests",
            "date": "created_date",
            "aggregate": "count",
            "grain": "fiscal_year",
        },
    )
    compute_measures()
    assert {row.ci_lower for row in stored("count").values()} == {None}


@pytest.mark.parametrize(
    ("survey", "problem"),
    [
        ({"weight": "q_trashy"}, "survey.weight: unknown field 'q_trashy' — did you mean"),
        ({"weight": "survey_date"}, "survey.weight: field 'survey_date' is date"),
        ({"weights": "weight"}, "survey.weights: unknown key — did you mean 'weight'?"),
        ("yes", "survey: write true, or {weight:"),
    ],
)
def test_survey_keys_are_checked(survey, problem):
    schemas = {"survey": SURVEY_SCHEMA}
    with pytest.raises(SpecError) as raised:
        check_spec({**SATISFIED_WITH_TRASH, "survey": survey}, schemas)
    assert raised.value.problems[0].startswith(problem)


def test_only_a_share_can_be_a_survey_measure():
    spec = {
        "dataset": "survey",
        "date": "survey_date",
        "aggregate": "count",
        "grain": "year",
        "survey": True,
    }
    with pytest.raises(SpecError, match="only a share of respondents"):
        check_spec(spec, {"survey": SURVEY_SCHEMA})


POTHOLE_REQUESTS = {
    "dataset": "requests",
    "date": "created_date",
    "filter": "category = 'Pothole'",
    "aggregate": "count",
    "grain": "month",
}
SPENDING = {
    "dataset": "spending",
    "date": "fiscal_year",
    "aggregate": "sum",
    "field": "actual",
    "grain": "fiscal_year",
}


@pytest.mark.usefixtures("spending")
def test_cost_per_unit_divides_program_spending_by_a_monthly_measure_taken_by_fiscal_year():
    measure("pothole-requests", POTHOLE_REQUESTS)
    measure(
        "cost-per-pothole",
        {
            "dataset": "spending",
            "date": "fiscal_year",
            "filter": "category = 'Pothole'",
            "aggregate": "ratio",
            "numerator": {"aggregate": "sum", "field": "actual"},
            "denominator": {"measure": "pothole-requests"},
            "grain": "fiscal_year",
        },
    )
    report = compute_measures()
    assert not report.failed, report.failed
    values = {period: row.value for period, row in stored("cost-per-pothole").items()}
    # Pothole requests created: FY2024 case 1; FY2025 cases 2, 3, 5; FY2026 case 7.
    assert values == {"FY2024": 300.0, "FY2025": pytest.approx(1000 / 3), "FY2026": 700.0}
    # The monthly measure itself is untouched by being taken by fiscal year.
    assert len(stored("pothole-requests")) == 14


@pytest.mark.usefixtures("spending")
def test_a_ratio_of_two_measures_aligns_breakdowns_and_names_a_zero_denominator():
    measure(
        "requests-by-category", {**POTHOLE_REQUESTS, "filter": None, "breakdowns": ["category"]}
    )
    measure("spending-by-category", {**SPENDING, "breakdowns": ["category"]})
    measure(
        "cost-per-request",
        {
            "aggregate": "ratio",
            "numerator": {"measure": "spending-by-category"},
            "denominator": {"measure": "requests-by-category"},
            "grain": "fiscal_year",
            "breakdowns": ["category"],
        },
    )
    report = compute_measures()
    assert not report.failed, report.failed
    overall = {p: row.value for p, row in stored("cost-per-request").items()}
    # Spending 300, 1500, 700 over requests 1, 5, 1.
    assert overall == {"FY2024": 300.0, "FY2025": 300.0, "FY2026": 700.0}
    by_category = stored("cost-per-request", "category")
    assert by_category["FY2025 Trash"].value == 250.0  # 500 over cases 4 and 6
    no_trash = by_category["FY2026 Trash"]
    assert no_trash.value is None and no_trash.denominator == 0
    assert no_trash.source_note == (
        "measure 'requests-by-category' is 0 in FY2026; nothing to divide by"
    )


@pytest.mark.usefixtures("spending")
def test_loading_a_dataset_recomputes_the_ratios_that_divide_by_its_measures():
    measure("pothole-requests", POTHOLE_REQUESTS)
    measure("spending-total", SPENDING)
    measure(
        "cost",
        {
            "aggregate": "ratio",
            "numerator": {"measure": "spending-total"},
            "denominator": {"measure": "pothole-requests"},
            "grain": "fiscal_year",
        },
    )
    assert {m.slug for m in measures_reading("requests")} == {"pothole-requests", "cost"}
    assert {m.slug for m in measures_reading("spending")} == {"spending-total", "cost"}


def ratio(numerator: str, denominator: str) -> dict[str, Any]:
    return {
        "aggregate": "ratio",
        "numerator": {"measure": numerator},
        "denominator": {"measure": denominator},
        "grain": "fiscal_year",
    }


def test_a_circle_of_ratios_is_refused(requests):
    specs = {"a": ratio("b", "c"), "b": ratio("a", "c"), "c": POTHOLE_REQUESTS}
    with pytest.raises(SpecError) as raised:
        check_spec(specs["a"], {"requests": REQUESTS_SCHEMA}, measures=specs, slug="a")
    assert raised.value.problems == [
        "numerator.measure: the measures refer to each other in a circle: 'a' → 'b' → 'a'"
    ]
    with pytest.raises(SpecError, match="in a circle: 'a' → 'a'"):
        check_spec(ratio("a", "c"), {}, measures=specs, slug="a")


@pytest.mark.usefixtures("spending")
def test_ratio_parts_are_checked_at_the_ratio_grain():
    specs = {"spend": SPENDING, "typed-in": {}, "potholes": POTHOLE_REQUESTS}
    schemas = {slug: d.table_schema for slug, d in ((d.slug, d) for d in Dataset.objects.all())}
    with pytest.raises(SpecError) as raised:
        check_spec({**ratio("spend", "typed-in"), "grain": "month"}, schemas, measures=specs)
    assert raised.value.problems == [
        "numerator.measure: 'spend' cannot be taken by month: date: field 'fiscal_year' is "
        "integer, not a date field.",
        "denominator.measure: 'typed-in' has values typed in by staff; a ratio needs two "
        "computed measures.",
    ]
    with pytest.raises(
        SpecError,
        match="denominator.measure: 'pothole' is not a measure of "
        "the plan — did you mean 'potholes'",
    ):
        check_spec(ratio("spend", "pothole"), schemas, measures=specs)
    with pytest.raises(SpecError, match="filter: a ratio of two measures reads no dataset"):
        check_spec({**ratio("spend", "potholes"), "filter": "x = 1"}, schemas, measures=specs)


@pytest.mark.usefixtures("public_works")
def test_a_plan_file_with_a_circle_of_ratios_is_refused_with_the_path(requests):
    document = copy.deepcopy(PLAN)
    measures = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"]
    measures[1]["spec"] = ratio("potholes-7-days", "main-breaks")
    measures[0]["spec"] = ratio("main-breaks", "main-breaks")
    with pytest.raises(PlanDocumentError) as raised:
        load_plan(document, "plan.yaml")
    where = "priority_areas[0].goals[0].objectives[0].measures"
    assert raised.value.problems[0] == (
        f"{where}[0].spec.numerator.measure: the measures refer to each other in a circle: "
        "'potholes-7-days' → 'main-breaks' → 'potholes-7-days'"
    )
    assert not Plan.objects.exists()


def test_the_fast_store_writes_every_column_of_a_measure_value():
    columns = {field.column for field in MeasureValue._meta.concrete_fields}
    assert columns - {"id"} == set(STORED_COLUMNS)
