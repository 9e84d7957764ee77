import pytest

from citystat.city.models import CityProfile, Department
from citystat.demo.build import PLAN_FILE, ensure_departments, plan_department_names, save_dataset
from citystat.demo.datasets import DEMO_DATASETS
from citystat.plan.documents import PlanDocumentError, load_plan, load_plan_file
from citystat.plan.models import Measure, Plan, PriorityArea

TINY = {
    "title": "Tiny Plan FY2025–FY2026",
    "fiscal_years": [2025, 2026],
    "priority_areas": [
        {
            "title": "Infrastructure",
            "goals": [
                {
                    "title": "Fix streets",
                    "objectives": [
                        {
                            "title": "Close pothole requests fast",
                            "measures": [
                                {
                                    "title": "Potholes closed within 7 days",
                                    "definition": "Share closed within 7 days.",
                                    "unit": "percent",
                                    "direction": "higher",
                                    "frequency": "month",
                                    "department": "Water Services",
                                    "targets": {2025: {"value": 70, "tolerance": 5}},
                                }
                            ],
                        }
                    ],
                }
            ],
        }
    ],
}


@pytest.fixture
def water(db):
    return Department.objects.create(code="water", name="Water Services")


def test_it_creates_the_whole_tree_as_the_current_plan(water):
    plan = load_plan(TINY, "tiny.yaml")
    assert plan.is_current
    measure = Measure.objects.get()
    assert (measure.department, measure.targets.get().value) == (water, 70.0)


def test_loading_again_replaces_the_plan_instead_of_duplicating_it(water):
    load_plan(TINY, "tiny.yaml")
    load_plan(TINY, "tiny.yaml")
    assert Plan.objects.count() == 1 and PriorityArea.objects.count() == 1


def test_a_bad_unit_names_where_and_what_was_expected_and_writes_nothing(water):
    broken = {**TINY}
    measure = TINY["priority_areas"][0]["goals"][0]["objectives"][0]["measures"][0]
    objective = {**TINY["priority_areas"][0]["goals"][0]["objectives"][0]}
    objective["measures"] = [{**measure, "unit": "furlongs"}]
    broken["priority_areas"] = [
        {
            **TINY["priority_areas"][0],
            "goals": [{**TINY["priority_areas"][0]["goals"][0], "objectives": [objective]}],
        }
    ]
    with pytest.raises(
        PlanDocumentError, match=r"measures\[0\]\.unit: 'furlongs' is not one of count, percent"
    ):
        load_plan(broken, "tiny.yaml")
    assert not Plan.objects.exists()


def test_an_unknown_department_is_refused(db):
    with pytest.raises(
        PlanDocumentError,
        match=r"measures\[0\]\.department: 'Water Services' is not one of the city's departments",
    ):
        load_plan(TINY, "tiny.yaml")


def test_the_demo_plan_has_six_priority_areas_with_measures_and_targets(db):
    speak_the_demo_languages()
    ensure_departments(plan_department_names())
    for definition in DEMO_DATASETS:
        save_dataset(definition)
    plan = load_plan_file(PLAN_FILE)
    assert plan.priority_areas.count() == 6
    assert (
        Measure.objects.filter(targets__isnull=False).distinct().count() == Measure.objects.count()
    )


def speak_the_demo_languages() -> None:
    """Give the city the demo plan's languages: its file carries Spanish beside English."""

    city = CityProfile.current()
    city.languages = ["en", "es"]
    city.save()
