"""`citystat plan import/export`: exact round trips, every error with its path, reasons."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from citystat.city.models import CityProfile
from citystat.demo.build import (
    PLAN_FILE,
    ensure_departments,
    plan_department_names,
    save_dataset,
)
from citystat.demo.datasets import DEMO_DATASETS
from citystat.plan.documents import PlanDocumentError, export_plan, load_plan, read_plan_file
from citystat.plan.history import describe, target_history
from citystat.plan.models import Measure, Plan, Strategy, Target

MEASURE = {
    "title": "Potholes closed within 7 days",
    "slug": "potholes-7-days",
    "definition": "Share of pothole requests closed within 7 days.",
    "unit": "percent",
    "direction": "higher",
    "frequency": "month",
    "department": "Public Works",
    "owner": "Street Maintenance Manager",
    "headline": True,
    "baseline": {"value": 61.0, "label": "FY2024"},
    "spec": {
        "dataset": "requests",
        "date": "created_date",
        "filter": "category = 'Pothole'",
        "aggregate": "share",
        "condition": "days_to_close <= 7",
        "grain": "month",
        "breakdowns": ["council_district"],
    },
    "targets": {
        2025: {"value": 70.0, "tolerance": 5.0},
        2026: {"value": 75.0, "tolerance": 5.0, "style": "bands", "off_track_at": 60.0},
    },
}
PLAN = {
    "title": "Tiny plan",
    "slug": "tiny",
    "fiscal_years": [2025, 2027],
    "priority_areas": [
        {
            "title": "Infrastructure",
            "slug": "infrastructure",
            "goals": [
                {
                    "title": "Fix streets",
                    "slug": "fix-streets",
                    "strategies": [
                        {
                            "title": "Second pothole crew",
                            "progress": "under_way",
                            "department": "Public Works",
                            "measures": ["potholes-7-days"],
                        }
                    ],
                    "objectives": [
                        {
                            "title": "Close pothole requests fast",
                            "measures": [
                                MEASURE,
                                {
                                    "title": "Water main breaks",
                                    "slug": "main-breaks",
                                    "definition": "Typed in from the utility's log.",
                                    "unit": "count",
                                    "direction": "lower",
                                    "frequency": "quarter",
                                    "data_source": "Water Services work orders",
                                    "public": False,
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    ],
}

pytestmark = pytest.mark.usefixtures("requests", "public_works")


def test_export_gives_back_exactly_the_document_that_was_imported():
    plan = load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    assert export_plan(plan) == PLAN


def test_import_of_an_export_changes_nothing(tmp_path):
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    path = tmp_path / "plan.yaml"
    call_command("plan", "export", str(path))
    history_rows = Measure.history.count()
    call_command("plan", "import", str(path))
    assert Measure.history.count() == history_rows
    assert yaml.safe_load(path.read_text()) == PLAN


def test_strategies_link_goals_to_measures():
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    strategy = Strategy.objects.get()
    assert [m.slug for m in strategy.measures.all()] == ["potholes-7-days"]


def errors_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanDocumentError) as raised:
        load_plan(document, "plan.yaml")
    assert not Plan.objects.exists()
    return raised.value.problems


def test_every_error_is_reported_with_its_path_and_nothing_is_written():
    document = copy.deepcopy(PLAN)
    measures = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"]
    measures[0]["spec"]["filter"] = "categry = 'Pothole'"
    measures[0]["spec"]["breakdowns"] = ["district"]
    measures[1]["unit"] = "furlongs"
    measures[1]["colour"] = "red"
    where = "priority_areas[0].goals[0].objectives[0]"
    assert errors_of(document) == [
        f"{where}.measures[0].spec.filter: unknown field 'categry' — did you mean 'category'?",
        f"{where}.measures[0].spec.breakdowns[0]: unknown field 'district' — did you mean "
        "'council_district'?",
        f"{where}.measures[1].colour: unknown key",
        f"{where}.measures[1].unit: 'furlongs' is not one of count, percent, days, dollars, "
        "rate_per_1000, score",
    ]


def test_a_date_compared_with_text_is_named():
    document = copy.deepcopy(PLAN)
    measure = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"][0]
    measure["spec"]["filter"] = "created_date >= 'last year'"
    (problem,) = errors_of(document)
    assert problem.endswith(
        "spec.filter: 'created_date' is a date and 'last year' is text, not a date such as "
        "'2025-01-31'."
    )


def test_duplicate_measure_slugs_are_refused():
    document = copy.deepcopy(PLAN)
    objective = document["priority_areas"][0]["goals"][0]["objectives"][0]
    objective["measures"][1]["slug"] = "potholes-7-days"
    (problem,) = errors_of(document)
    assert "slug 'potholes-7-days' is also used at" in problem


def test_changing_a_target_needs_a_reason_which_history_keeps():
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    document = copy.deepcopy(PLAN)
    measure = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"][0]
    measure["targets"][2025]["value"] = 65.0
    with pytest.raises(PlanDocumentError, match=r"targets\.2025: the target changes"):
        load_plan(document, "tiny.yaml")
    assert Target.objects.get(fiscal_year=2025).value == 70.0
    load_plan(document, "tiny.yaml", reason="Crews were cut in the FY2025 budget")
    latest = Target.history.filter(fiscal_year=2025).first()
    assert (latest.value, latest.history_change_reason) == (
        65.0,
        "Crews were cut in the FY2025 budget",
    )


def test_removing_a_measure_from_the_file_removes_it_from_the_plan():
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    document = copy.deepcopy(PLAN)
    document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"].pop()
    load_plan(document, "tiny.yaml")
    assert list(Measure.objects.values_list("slug", flat=True)) == ["potholes-7-days"]


def test_the_demo_plan_round_trips_exactly(db):
    # The demo city writes its plan in English and Spanish.
    city = CityProfile.current()
    city.languages = ["en", "es"]
    city.save()
    ensure_departments(plan_department_names())
    for definition in DEMO_DATASETS:
        save_dataset(definition)
    document = read_plan_file(PLAN_FILE)
    plan = load_plan(copy.deepcopy(document), "plan.yaml")
    assert export_plan(plan) == document
    assert Measure.objects.count() == 69


def test_removing_a_target_needs_a_reason_and_its_history_says_so():
    load_plan(copy.deepcopy(PLAN), "tiny.yaml")
    document = copy.deepcopy(PLAN)
    measure = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"][0]
    del measure["targets"][2026]
    with pytest.raises(PlanDocumentError, match=r"targets\.2026 \(removed\): the target changes"):
        load_plan(copy.deepcopy(document), "tiny.yaml")
    assert Target.objects.filter(fiscal_year=2026).exists()
    load_plan(document, "tiny.yaml", reason="The FY2026 budget is not adopted yet")
    assert not Target.objects.filter(fiscal_year=2026).exists()
    last = target_history(Measure.objects.get(slug="potholes-7-days"))[-1]
    assert (last.fiscal_year, last.verb, last.before) == (2026, "removed", 75.0)
    assert describe(last, unit="percent").endswith(
        "removed on " + f"{last.changed_at:%-d %B %Y}" + " because The FY2026 budget is not "
        "adopted yet."
    )
