"""Plans as documents: load a whole plan from YAML-shaped data, checked before it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.text import slugify

from citystat.catalog.models import Dataset
from citystat.city.models import Department
from citystat.lib.errors import CitystatError
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea, Target


class PlanDocumentError(CitystatError):
    pass


def load_plan_file(path: Path, make_current: bool = True) -> Plan:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanDocumentError(f"{path}: no such file.") from None
    except yaml.YAMLError as error:
        raise PlanDocumentError(f"{path}: not valid YAML ({error}).") from None
    return load_plan(document, str(path), make_current=make_current)


def load_plan(document: Any, source: str, make_current: bool = True) -> Plan:
    """Create or replace the plan described by `document` (matched by its slug).

    Nothing is written unless the whole document is valid.
    """
    reader = PlanReader(source)
    plan_fields = reader.plan_fields(document)
    with transaction.atomic():
        Plan.objects.filter(slug=plan_fields["slug"]).delete()
        if make_current:
            Plan.objects.filter(is_current=True).update(is_current=False)
        plan = Plan.objects.create(is_current=make_current, **plan_fields)
        for area_position, area in enumerate(reader.items(document, "priority_areas", "plan")):
            reader.create_area(plan, area, area_position)
    return plan


class PlanReader:
    """Turn document parts into rows, naming the exact place of any problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.departments = {department.name: department for department in Department.objects.all()}
        self.departments.update(
            {department.code: department for department in self.departments.values()}
        )
        self.datasets = {dataset.slug: dataset for dataset in Dataset.objects.all()}

    def fail(self, where: str, problem: str) -> PlanDocumentError:
        return PlanDocumentError(f"{self.source}: {where}: {problem}")

    def text(self, part: dict, key: str, where: str, required: bool = True) -> str:
        value = part.get(key, "")
        if required and (not isinstance(value, str) or not value.strip()):
            raise self.fail(where, f"'{key}' is required.")
        return str(value or "").strip()

    def items(self, part: Any, key: str, where: str) -> list[dict]:
        values = part.get(key) if isinstance(part, dict) else None
        if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
            raise self.fail(where, f"'{key}' should be a list of mappings.")
        return values

    def plan_fields(self, document: Any) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise self.fail("plan", "expected a mapping with title, fiscal_years, priority_areas.")
        title = self.text(document, "title", "plan")
        years = document.get("fiscal_years")
        if not (
            isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years)
        ):
            raise self.fail("plan", "'fiscal_years' should be [first, last], such as [2025, 2029].")
        if years[1] < years[0]:
            raise self.fail("plan", f"fiscal_years {years} run backwards.")
        self.items(document, "priority_areas", "plan")
        return {
            "title": title,
            "slug": document.get("slug") or slugify(title),
            "description": self.text(document, "description", "plan", required=False),
            "first_fiscal_year": years[0],
            "last_fiscal_year": years[1],
        }

    def create_area(self, plan: Plan, area: dict, position: int) -> None:
        where = f"priority_areas[{position}]"
        title = self.text(area, "title", where)
        priority_area = PriorityArea.objects.create(
            plan=plan,
            slug=area.get("slug") or slugify(title),
            title=title,
            summary=self.text(area, "summary", where, required=False),
            position=position,
        )
        for goal_position, goal in enumerate(self.items(area, "goals", where)):
            self.create_goal(priority_area, goal, f"{where}.goals[{goal_position}]", goal_position)

    def create_goal(self, area: PriorityArea, goal: dict, where: str, position: int) -> None:
        title = self.text(goal, "title", where)
        saved = Goal.objects.create(
            priority_area=area,
            slug=goal.get("slug") or slugify(title)[:80],
            title=title,
            summary=self.text(goal, "summary", where, required=False),
            position=position,
        )
        for index, objective in enumerate(self.items(goal, "objectives", where)):
            objective_where = f"{where}.objectives[{index}]"
            saved_objective = Objective.objects.create(
                goal=saved, title=self.text(objective, "title", objective_where), position=index
            )
            for measure_index, measure in enumerate(
                self.items(objective, "measures", objective_where)
            ):
                self.create_measure(
                    saved_objective,
                    measure,
                    f"{objective_where}.measures[{measure_index}]",
                    measure_index,
                )

    def choice(self, part: dict, key: str, choices: type, where: str) -> str:
        value = part.get(key)
        allowed = [str(choice) for choice in choices]  # type: ignore[attr-defined]
        if value not in allowed:
            raise self.fail(where, f"'{key}' is {value!r}; expected one of {', '.join(allowed)}.")
        return str(value)

    def create_measure(
        self, objective: Objective, measure: dict, where: str, position: int
    ) -> None:
        title = self.text(measure, "title", where)
        department_name = measure.get("department")
        department = self.departments.get(department_name) if department_name else None
        if department_name and department is None:
            raise self.fail(
                where, f"department {department_name!r} is not one of the city's departments."
            )
        dataset_slug = measure.get("dataset")
        dataset = self.datasets.get(dataset_slug) if dataset_slug else None
        if dataset_slug and dataset is None:
            raise self.fail(where, f"dataset {dataset_slug!r} is not in the catalog.")
        saved = Measure.objects.create(
            objective=objective,
            slug=measure.get("slug") or slugify(title)[:80],
            title=title,
            definition=self.text(measure, "definition", where),
            unit=self.choice(measure, "unit", Measure.Unit, where),
            direction=self.choice(measure, "direction", Measure.Direction, where),
            frequency=self.choice(measure, "frequency", Measure.Frequency, where),
            department=department,
            dataset=dataset,
            baseline_value=measure.get("baseline", {}).get("value"),
            baseline_label=str(measure.get("baseline", {}).get("label", "")),
            is_public=bool(measure.get("public", True)),
            is_headline=bool(measure.get("headline", False)),
            position=position,
        )
        for year, target in (measure.get("targets") or {}).items():
            if not isinstance(year, int) or not isinstance(target, dict) or "value" not in target:
                raise self.fail(
                    where, f"target {year!r} should read 2025: {{value: 90, tolerance: 2}}."
                )
            Target.objects.create(
                measure=saved,
                fiscal_year=year,
                value=float(target["value"]),
                tolerance=float(target.get("tolerance", 0)),
                note=str(target.get("note", "")),
            )
