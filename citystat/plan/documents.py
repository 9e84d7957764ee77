"""Plans as documents: the whole plan in one YAML file, imported and exported exactly.

`import_plan` checks the entire document first and reports every problem with its path
(`priority_areas[0].goals[3].objectives[0].measures[1].spec.filter: unknown field …`);
nothing is written unless all of it is valid. Rows are matched by slug and updated in
place, so each element keeps its history, and a target that changes needs a reason.
docs/plan.md describes the format.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import yaml
from django.db import models, transaction
from django.utils.text import slugify

from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile, Department
from citystat.city.translations import TranslationError, validate_translations
from citystat.lib.errors import CitystatError
from citystat.lib.periods import PeriodError, parse_period
from citystat.plan import revision
from citystat.plan.compute.filters import did_you_mean
from citystat.plan.compute.run import dataset_schemas
from citystat.plan.compute.spec import SpecError, check_spec, withheld_problems
from citystat.plan.history import ADOPTED_REASON, PLAN_FILE_REASON
from citystat.plan.hooks import document_sections
from citystat.plan.manual import Entry, fraction_warning, save_entries
from citystat.plan.models import (
    JUDGED_FIELDS,
    Goal,
    GoalNarrative,
    Measure,
    MeasureValue,
    NarrativePeriodError,
    Objective,
    Plan,
    PriorityArea,
    Strategy,
    Target,
    Translatable,
    goal_narrative_period,
)

# A mapping as the YAML file gives it: keys and values of any type until checked.
YamlMap: TypeAlias = dict[Any, Any]

PLAN_KEYS = {"title", "slug", "description", "fiscal_years", "as_of", "priority_areas"}
AREA_KEYS = {"title", "slug", "summary", "goals", "translations"}
GOAL_KEYS = {"title", "slug", "summary", "objectives", "strategies", "narratives", "translations"}
# A goal narrative in the plan file: {period: {context, actions, next_steps, state, …}}.
NARRATIVE_KEYS = {"context", "actions", "next_steps", "state", "review_comment", "translations"}
OBJECTIVE_KEYS = {"title", "measures", "translations"}
STRATEGY_KEYS = {"title", "description", "progress", "department", "measures", "translations"}
MEASURE_KEYS = {
    "title",
    "slug",
    "definition",
    "unit",
    "direction",
    "frequency",
    "department",
    "owner",
    "dataset",
    "data_source",
    "spec",
    "baseline",
    "targets",
    "public",
    "headline",
    "values",
    "source_note",
    "translations",
}
TARGET_KEYS = {"value", "tolerance", "style", "off_track_at", "note"}
VALUE_KEYS = {"value", "source_note"}


class PlanDocumentError(CitystatError):
    """A plan document with problems; `problems` holds one `path: message` line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count}; nothing was changed.\n  " + "\n  ".join(problems))
        self.problems = problems


def read_plan_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanDocumentError(str(path), ["no such file"]) from None
    except yaml.YAMLError as error:
        raise PlanDocumentError(str(path), [f"not valid YAML ({error})"]) from None


def load_plan_file(path: Path, make_current: bool = True, reason: str = "") -> Plan:
    return load_plan(read_plan_file(path), str(path), make_current=make_current, reason=reason)


def load_plan(document: Any, source: str, make_current: bool = True, reason: str = "") -> Plan:
    """Create or update the plan described by `document` (matched by its slug).

    Nothing is written unless the whole document is valid, and an existing target
    changes only with a `reason`.
    """
    checked = PlanChecker().check(document)
    if checked.problems:
        raise PlanDocumentError(source, checked.problems)
    moved = changed_targets(checked)
    if moved and not reason.strip():
        raise PlanDocumentError(
            source,
            [
                f"{where}: the target changes; give the reason (citystat plan import --reason …)"
                for where in moved
            ],
        )
    with transaction.atomic():
        # Some rows are written by query, which sends no signal (plan/revision.py).
        revision.changed()
        return write_plan(checked, make_current, reason.strip())


@dataclass
class Checked:
    """A valid document, with the rows it describes resolved (departments, datasets)."""

    plan: dict[str, Any] = field(default_factory=dict)
    areas: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The sections other apps registered (plan/hooks.py): {key: content}.
    sections: dict[str, Any] = field(default_factory=dict)


def specs_in(document: YamlMap) -> dict[str, Any]:
    """Return {measure slug: spec} for every measure the plan file describes.

    Read leniently: the file's shape is checked (and reported) on the way through it.
    """
    specs: dict[str, Any] = {}

    def listed(part: Any, key: str) -> list[YamlMap]:
        value = part.get(key) if isinstance(part, dict) else None
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    for area in listed(document, "priority_areas"):
        for goal in listed(area, "goals"):
            for objective in listed(goal, "objectives"):
                for measure in listed(objective, "measures"):
                    slug = str(measure.get("slug") or slugify(str(measure.get("title", ""))))
                    specs[slug[:80]] = measure.get("spec") or {}
    return specs


class PlanChecker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.departments = {department.name: department for department in Department.objects.all()}
        self.departments |= {d.code: d for d in list(self.departments.values())}
        self.schemas = dataset_schemas()
        self.calendar = CityProfile.current().fiscal_calendar
        self.measure_slugs: dict[str, str] = {}
        self.specs: dict[str, Any] = {}  # every measure's spec in the file, for ratios
        self.languages = CityProfile.current().languages or []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, part: YamlMap, allowed: set[str], where: str) -> None:
        for key in sorted(set(map(str, part)) - allowed):
            self.problem(
                f"{where}.{key}" if where else key,
                f"unknown key{did_you_mean(key, sorted(allowed))}",
            )

    def text(self, part: YamlMap, key: str, where: str, required: bool = True) -> str:
        value = part.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"{where}.{key}" if where else key, "should be text.")
            return ""
        text = str(value).strip()
        if required and not text:
            self.problem(where or "plan", f"'{key}' is required.")
        return text

    def translations(
        self, part: YamlMap, model: type[Translatable], where: str
    ) -> dict[str, dict[str, str]]:
        """Return the element's `translations: {es: {title: …}}`, checked against the
        city's languages and the fields `model` translates; a file without them has none."""
        path = f"{where}.translations" if where else "translations"
        try:
            return validate_translations(
                part.get("translations"), model.TRANSLATABLE, self.languages, path
            )
        except TranslationError as error:
            where_, _, message = str(error).partition(": ")
            self.problem(where_, message)
            return {}

    def items(self, part: YamlMap, key: str, where: str, required: bool = True) -> list[YamlMap]:
        values = part.get(key)
        if values is None and not required:
            return []
        path = f"{where}.{key}" if where else key
        if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
            self.problem(path, "should be a list of mappings.")
            return []
        return values

    def slug(self, part: YamlMap, title: str, where: str, seen: set[str]) -> str:
        slug = str(part.get("slug") or slugify(title))[:80]
        if slug in seen:
            self.problem(where, f"slug {slug!r} is used twice.")
        seen.add(slug)
        return slug

    def check(self, document: Any) -> Checked:
        checked = Checked()
        if not isinstance(document, dict):
            checked.problems = [
                "plan: expected a mapping with title, fiscal_years, priority_areas."
            ]
            return checked
        self.keys(document, PLAN_KEYS | {section.key for section in document_sections}, "")
        self.specs = specs_in(document)
        years = document.get("fiscal_years")
        if not (
            isinstance(years, list)
            and len(years) == 2
            and all(isinstance(year, int) for year in years)
        ):
            self.problem("fiscal_years", "should be [first, last], such as [2025, 2029].")
            years = [0, 0]
        elif years[1] < years[0]:
            self.problem("fiscal_years", f"{years} run backwards.")
        title = self.text(document, "title", "")
        checked.plan = {
            "title": title,
            "slug": str(document.get("slug") or slugify(title))[:80],
            "description": self.text(document, "description", "", required=False),
            "first_fiscal_year": years[0],
            "last_fiscal_year": years[1],
            "as_of": self.as_of(document.get("as_of")),
        }
        seen: set[str] = set()
        for index, area in enumerate(self.items(document, "priority_areas", "")):
            checked.areas.append(self.area(area, f"priority_areas[{index}]", seen))
        for section in document_sections:
            if section.key in document:
                self.problems += section.check(document[section.key], set(self.specs))
                checked.sections[section.key] = document[section.key]
        checked.problems = self.problems
        return checked

    def as_of(self, raw: Any) -> dt.date | None:
        """Return the plan's `as_of` day (YAML reads 2018-12-31 as a date; quoted, as text)."""
        if raw is None or raw == "":
            return None
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            self.problem(
                "as_of", f"{raw!r} is not a day; write it as YYYY-MM-DD, such as 2018-12-31."
            )
            return None

    def area(self, area: YamlMap, where: str, seen: set[str]) -> dict[str, Any]:
        self.keys(area, AREA_KEYS, where)
        title = self.text(area, "title", where)
        goals: set[str] = set()
        return {
            "fields": {
                "title": title,
                "slug": self.slug(area, title, where, seen),
                "summary": self.text(area, "summary", where, required=False),
                "translations": self.translations(area, PriorityArea, where),
            },
            "goals": [
                self.goal(goal, f"{where}.goals[{index}]", goals)
                for index, goal in enumerate(self.items(area, "goals", where))
            ],
        }

    def goal(self, goal: YamlMap, where: str, seen: set[str]) -> dict[str, Any]:
        self.keys(goal, GOAL_KEYS, where)
        title = self.text(goal, "title", where)
        objectives = []
        for index, objective in enumerate(self.items(goal, "objectives", where)):
            path = f"{where}.objectives[{index}]"
            self.keys(objective, OBJECTIVE_KEYS, path)
            objectives.append(
                {
                    "fields": {
                        "title": self.text(objective, "title", path),
                        "translations": self.translations(objective, Objective, path),
                    },
                    "measures": [
                        self.measure(measure, f"{path}.measures[{number}]")
                        for number, measure in enumerate(self.items(objective, "measures", path))
                    ],
                }
            )
        return {
            "fields": {
                "title": title,
                "slug": self.slug(goal, title, where, seen),
                "summary": self.text(goal, "summary", where, required=False),
                "translations": self.translations(goal, Goal, where),
            },
            "objectives": objectives,
            "strategies": [
                self.strategy(strategy, f"{where}.strategies[{index}]")
                for index, strategy in enumerate(
                    self.items(goal, "strategies", where, required=False)
                )
            ],
            "narratives": self.narratives(goal.get("narratives"), f"{where}.narratives"),
        }

    def narratives(self, raw: Any, where: str) -> dict[str, dict[str, Any]] | None:
        """Return the goal's narratives by period, or None when the file leaves them out
        (the goal then keeps the ones written in the browser)."""
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.problem(where, "should read {2026-Q1: {context: …, state: approved}, …}.")
            return {}
        narratives: dict[str, dict[str, Any]] = {}
        for period, narrative in raw.items():
            path = f"{where}.{period}"
            try:
                label = goal_narrative_period(str(period))
            except NarrativePeriodError as error:
                self.problem(path, str(error))
                continue
            if not isinstance(narrative, dict):
                self.problem(path, "should read {context: …, actions: …, next_steps: …}.")
                continue
            self.keys(narrative, NARRATIVE_KEYS, path)
            if label in narratives:
                self.problem(path, f"{label} is given twice.")
            state = narrative.get("state", GoalNarrative.State.DRAFT)
            if state not in GoalNarrative.State.values:
                self.problem(
                    f"{path}.state",
                    f"{state!r} is not one of {', '.join(GoalNarrative.State.values)}.",
                )
            narratives[label] = {
                "context": self.text(narrative, "context", path),
                "actions": self.text(narrative, "actions", path, required=False),
                "next_steps": self.text(narrative, "next_steps", path, required=False),
                "state": str(state),
                "review_comment": self.text(narrative, "review_comment", path, required=False),
                "translations": self.translations(narrative, GoalNarrative, path),
            }
        return narratives

    def strategy(self, strategy: YamlMap, where: str) -> dict[str, Any]:
        self.keys(strategy, STRATEGY_KEYS, where)
        progress = strategy.get("progress", Strategy.Progress.PLANNED)
        if progress not in Strategy.Progress.values:
            self.problem(
                f"{where}.progress",
                f"{progress!r} is not one of {', '.join(Strategy.Progress.values)}.",
            )
        measures = strategy.get("measures") or []
        if not isinstance(measures, list):
            self.problem(f"{where}.measures", "should be a list of measure slugs.")
            measures = []
        return {
            "fields": {
                "title": self.text(strategy, "title", where),
                "description": self.text(strategy, "description", where, required=False),
                "progress": progress,
                "department": self.department(strategy, where),
                "translations": self.translations(strategy, Strategy, where),
            },
            "measures": [str(slug) for slug in measures],
            "where": where,
        }

    def department(self, part: YamlMap, where: str) -> Department | None:
        name = part.get("department")
        if not name:
            return None
        department = self.departments.get(name)
        if department is None:
            hint = did_you_mean(str(name), sorted(self.departments))
            self.problem(
                f"{where}.department", f"{name!r} is not one of the city's departments{hint}"
            )
        return department

    def choice(self, part: YamlMap, key: str, choices: type[models.TextChoices], where: str) -> str:
        value = part.get(key)
        allowed = list(choices.values)
        if value not in allowed:
            self.problem(
                f"{where}.{key}",
                f"{value!r} is not one of {', '.join(allowed)}{did_you_mean(str(value), allowed)}",
            )
        return str(value)

    def measure(self, measure: YamlMap, where: str) -> dict[str, Any]:
        self.keys(measure, MEASURE_KEYS, where)
        title = self.text(measure, "title", where)
        slug = str(measure.get("slug") or slugify(title))[:80]
        if slug in self.measure_slugs:
            self.problem(where, f"slug {slug!r} is also used at {self.measure_slugs[slug]}.")
        self.measure_slugs[slug] = where
        spec = measure.get("spec") or {}
        if spec:
            try:
                check_spec(spec, self.schemas, self.calendar, self.specs, slug)
            except SpecError as error:
                for path, message in error.located:
                    self.problem(f"{where}.spec.{path}" if path else f"{where}.spec", message)
            if measure.get("public", True):
                for message in withheld_problems(slug, spec, self.schemas, self.specs):
                    self.problem(f"{where}.spec", message)
        dataset = spec.get("dataset") if isinstance(spec, dict) else None
        dataset = dataset or measure.get("dataset")
        if dataset and dataset not in self.schemas:
            self.problem(f"{where}.dataset", f"{dataset!r} is not a dataset in the catalog.")
        baseline = measure.get("baseline") or {}
        if not isinstance(baseline, dict) or not isinstance(
            baseline.get("value", 0), int | float | None
        ):
            self.problem(f"{where}.baseline", "should read {value: 61, label: FY2024}.")
            baseline = {}
        direction = self.choice(measure, "direction", Measure.Direction, where)
        return {
            "fields": {
                "slug": slug,
                "title": title,
                "definition": self.text(measure, "definition", where),
                "unit": self.choice(measure, "unit", Measure.Unit, where),
                "direction": direction,
                "frequency": self.choice(measure, "frequency", Measure.Frequency, where),
                "department": self.department(measure, where),
                "owner_name": self.text(measure, "owner", where, required=False),
                "data_source": self.text(measure, "data_source", where, required=False),
                "spec": spec,
                "dataset_slug": dataset or "",
                "baseline_value": baseline.get("value"),
                "baseline_label": str(baseline.get("label", "") or ""),
                "is_public": bool(measure.get("public", True)),
                "is_headline": bool(measure.get("headline", False)),
                "translations": self.translations(measure, Measure, where),
            },
            "targets": self.targets(measure.get("targets"), f"{where}.targets", direction),
            "values": self.values(measure, spec, where),
            "where": where,
        }

    def values(self, measure: YamlMap, spec: Any, where: str) -> list[Entry]:
        """Check a measure's typed-in `values: {FY2021: 93.0, …}` (each may instead read
        {value: 93.0, source_note: …}); the measure's `source_note` covers the rest."""
        raw = measure.get("values")
        if raw is None:
            if measure.get("source_note"):
                self.problem(f"{where}.source_note", "is for typed-in values; there are none.")
            return []
        path = f"{where}.values"
        if not isinstance(raw, dict):
            self.problem(path, "should read {FY2021: 93.0, FY2022: 95.5}.")
            return []
        if spec:
            self.problem(path, "the measure is computed from its dataset; values are not typed in.")
            return []
        note = measure.get("source_note") or ""
        if not isinstance(note, str):
            self.problem(f"{where}.source_note", "should be text.")
            note = ""
        frequency = measure.get("frequency")
        grain = frequency if frequency in Measure.Frequency.values else None
        entries = []
        for label, given in raw.items():
            label = str(label)  # YAML reads 2021 (a calendar year) as a number
            number, value_note = given, note
            if isinstance(given, dict):
                self.keys(given, VALUE_KEYS, f"{path}.{label}")
                number, value_note = given.get("value"), str(given.get("source_note") or note)
            if not isinstance(number, int | float) or isinstance(number, bool):
                self.problem(f"{path}.{label}", f"{number!r} is not a number.")
                continue
            if not math.isfinite(number):
                self.problem(f"{path}.{label}", f"{number!r} is not a number a measure can take.")
                continue
            try:
                period = parse_period(label, self.calendar)
            except PeriodError as error:
                self.problem(f"{path}.{label}", str(error))
                continue
            if grain is not None and period.grain != grain:
                self.problem(
                    f"{path}.{label}",
                    f"the measure is reported by {grain.replace('_', ' ')}; "
                    f"{label!r} is a {period.grain.replace('_', ' ')}.",
                )
                continue
            if not value_note.strip():
                self.problem(
                    f"{path}.{label}", "say where the value comes from: add a source_note."
                )
                continue
            entries.append(Entry(period.label, float(number), value_note.strip()[:300]))
        return entries

    def targets(self, raw: Any, where: str, direction: str) -> dict[int, dict[str, Any]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(where, "should read {2025: {value: 90, tolerance: 2}, …}.")
            return {}
        targets = {}
        for year, target in raw.items():
            path = f"{where}.{year}"
            if not isinstance(year, int) or not isinstance(target, dict):
                self.problem(path, "should read 2025: {value: 90, tolerance: 2}.")
                continue
            self.keys(target, TARGET_KEYS, path)
            numbers = {}
            for key in ("value", "tolerance", "off_track_at"):
                number = target.get(key)
                if number is not None and (
                    not isinstance(number, int | float) or isinstance(number, bool)
                ):
                    self.problem(f"{path}.{key}", f"{number!r} is not a number.")
                    number = None
                numbers[key] = None if number is None else float(number)
            if numbers["value"] is None:
                self.problem(path, "'value' is required.")
            if (numbers["tolerance"] or 0) < 0:
                self.problem(f"{path}.tolerance", "cannot be negative.")
            style = target.get("style", Target.Style.PROXIMITY)
            if style not in Target.Style.values:
                self.problem(f"{path}.style", f"{style!r} is not proximity or bands.")
            if style == Target.Style.BANDS:
                if numbers["off_track_at"] is None:
                    self.problem(path, "a bands target needs off_track_at.")
                if direction == Measure.Direction.WITHIN_RANGE:
                    self.problem(path, "a range is judged by tolerance; use style: proximity.")
            targets[year] = {
                "value": numbers["value"],
                "tolerance": numbers["tolerance"] or 0.0,
                "style": style,
                "off_track_at": numbers["off_track_at"],
                "note": str(target.get("note", "") or ""),
            }
        return targets


def changed_targets(checked: Checked) -> list[str]:
    """Return the path of every existing target the document would change."""
    existing = {
        (target.measure.slug, target.fiscal_year): target
        for target in Target.objects.select_related("measure").filter(
            measure__objective__goal__priority_area__plan__slug=checked.plan["slug"]
        )
    }
    moved = []
    for area in checked.areas:
        for goal in area["goals"]:
            for objective in goal["objectives"]:
                for measure in objective["measures"]:
                    slug = measure["fields"]["slug"]
                    for year, target in measure["targets"].items():
                        old = existing.get((slug, year))
                        if old and any(getattr(old, k) != target[k] for k in JUDGED_FIELDS):
                            moved.append(f"{measure['where']}.targets.{year}")
                    # A target the file no longer sets is removed: a goalpost moves too.
                    for other_slug, year in sorted(existing):
                        if other_slug == slug and year not in measure["targets"]:
                            moved.append(f"{measure['where']}.targets.{year} (removed)")
    return moved


def save_changed(instance: models.Model, fields: dict[str, Any], reason: str) -> None:
    """Set `fields` and save only if something differs, so history shows real changes."""
    if instance.pk and all(getattr(instance, key) == value for key, value in fields.items()):
        return
    for key, value in fields.items():
        setattr(instance, key, value)
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()


def write_plan(checked: Checked, make_current: bool, reason: str) -> Plan:
    datasets = {dataset.slug: dataset for dataset in Dataset.objects.all()}
    plan = Plan.objects.filter(slug=checked.plan["slug"]).first() or Plan()
    adopting = plan.pk is None
    if make_current:
        Plan.objects.filter(is_current=True).exclude(pk=plan.pk).update(is_current=False)
    save_changed(plan, {**checked.plan, "is_current": make_current or plan.is_current}, reason)
    kept_areas, kept_measures = [], []
    strategies: list[tuple[Goal, int, dict[str, Any]]] = []
    for position, area in enumerate(checked.areas):
        row = PriorityArea.objects.filter(plan=plan, slug=area["fields"]["slug"]).first()
        row = row or PriorityArea(plan=plan)
        save_changed(row, {**area["fields"], "position": position}, reason)
        kept_areas.append(row.pk)
        kept_goals = []
        for goal_position, goal in enumerate(area["goals"]):
            goal_row = (
                Goal.objects.filter(slug=goal["fields"]["slug"], priority_area__plan=plan).first()
                or Goal()
            )
            fields = {**goal["fields"], "priority_area": row, "position": goal_position}
            save_changed(goal_row, fields, reason)
            kept_goals.append(goal_row.pk)
            kept_objectives = []
            for objective_position, objective in enumerate(goal["objectives"]):
                objective_row = Objective.objects.filter(
                    goal=goal_row, position=objective_position
                ).first() or Objective(goal=goal_row)
                save_changed(
                    objective_row, {**objective["fields"], "position": objective_position}, reason
                )
                kept_objectives.append(objective_row.pk)
                for measure_position, measure in enumerate(objective["measures"]):
                    kept_measures.append(
                        write_measure(
                            objective_row, measure, measure_position, datasets, reason, adopting
                        )
                    )
            Objective.objects.filter(goal=goal_row).exclude(pk__in=kept_objectives).delete()
            strategies += [(goal_row, index, s) for index, s in enumerate(goal["strategies"])]
            if goal["narratives"] is not None:
                write_goal_narratives(goal_row, goal["narratives"], reason)
        Goal.objects.filter(priority_area=row).exclude(pk__in=kept_goals).delete()
    Measure.objects.filter(objective__goal__priority_area__plan=plan).exclude(
        pk__in=kept_measures
    ).delete()
    PriorityArea.objects.filter(plan=plan).exclude(pk__in=kept_areas).delete()
    write_strategies(plan, strategies, reason)
    for section in document_sections:
        if section.key in checked.sections:
            section.write(checked.sections[section.key])
    return plan


def write_measure(
    objective: Objective,
    measure: dict[str, Any],
    position: int,
    datasets: dict[str, Dataset],
    reason: str,
    adopting: bool = False,
) -> int:
    fields = dict(measure["fields"])
    fields["dataset"] = datasets.get(fields.pop("dataset_slug"))
    row = Measure.objects.filter(slug=fields["slug"]).first() or Measure()
    save_changed(row, {**fields, "objective": objective, "position": position}, reason)
    kept = []
    for year, target in measure["targets"].items():
        target_row = Target.objects.filter(measure=row, fiscal_year=year).first()
        if target_row is None and adopting:
            # Set with the plan itself: its history says so rather than the import's day.
            target_row = Target(measure=row, fiscal_year=year)
            save_changed(target_row, target, ADOPTED_REASON)
            kept.append(target_row.pk)
            continue
        target_row = target_row or Target(measure=row, fiscal_year=year)
        save_changed(target_row, target, reason or PLAN_FILE_REASON)
        kept.append(target_row.pk)
    for removed in Target.objects.filter(measure=row).exclude(pk__in=kept):
        removed._change_reason = reason  # type: ignore[attr-defined]  # kept in its history
        removed.delete()
    write_values(row, measure["values"])
    return row.pk


def write_values(measure: Measure, entries: list[Entry]) -> None:
    """Store the file's typed-in values that are new or differ (the audit log records each
    change with who and when; the source note says where the value comes from)."""
    stored = {
        value.period: value for value in MeasureValue.objects.filter(measure=measure, breakdown="")
    }
    changed = [
        entry
        for entry in entries
        if entry.period not in stored
        or (
            stored[entry.period].value,
            stored[entry.period].source_note,
            stored[entry.period].origin,
        )
        != (entry.value, entry.source_note, MeasureValue.Origin.ENTERED)
    ]
    if changed:
        save_entries(measure, changed)


def write_goal_narratives(goal: Goal, narratives: dict[str, dict[str, Any]], reason: str) -> None:
    """Make the goal's narratives those of the file: changed where they differ (changed
    words of an approved one go back to draft: GoalNarrative.save), removed if not listed."""
    kept = []
    for period, fields in narratives.items():
        row = GoalNarrative.objects.filter(goal=goal, period=period).first()
        row = row or GoalNarrative(goal=goal, period=period)
        save_changed(row, fields, reason or PLAN_FILE_REASON)
        kept.append(row.pk)
    for removed in GoalNarrative.objects.filter(goal=goal).exclude(pk__in=kept):
        removed._change_reason = reason or PLAN_FILE_REASON  # type: ignore[attr-defined]
        removed.delete()


def write_strategies(
    plan: Plan, strategies: list[tuple[Goal, int, dict[str, Any]]], reason: str = ""
) -> None:
    # Strategies have no slug, so each is matched by its goal and place in the list and
    # changed only where it differs: the plan editor's version token (plan/editor.py) is
    # the strategy's newest history row, which a rewrite of every strategy would renew.
    kept = []
    for goal, position, strategy in strategies:
        row = Strategy.objects.filter(goal=goal, position=position).first()
        row = row or Strategy(goal=goal, position=position)
        save_changed(row, strategy["fields"], reason)
        measures = Measure.objects.filter(slug__in=strategy["measures"])
        if set(row.measures.values_list("pk", flat=True)) != {m.pk for m in measures}:
            row.measures.set(measures)
        kept.append(row.pk)
    Strategy.objects.filter(goal__priority_area__plan=plan).exclude(pk__in=kept).delete()


def export_plan(plan: Plan) -> dict[str, Any]:
    """Return the document that `load_plan` turns back into this exact plan."""
    document: dict[str, Any] = {
        "title": plan.title,
        "slug": plan.slug,
        "fiscal_years": [plan.first_fiscal_year, plan.last_fiscal_year],
    }
    if plan.description:
        document["description"] = plan.description
    if plan.as_of:
        document["as_of"] = plan.as_of
    document["priority_areas"] = [
        {
            **compact({"title": area.title, "slug": area.slug, "summary": area.summary}),
            **translations_of(area),
            "goals": [export_goal(goal) for goal in area.goals.all()],
        }
        for area in plan.priority_areas.all()
    ]
    for section in document_sections:
        content = section.export(plan)
        if content:
            document[section.key] = content
    return document


def export_goal(goal: Goal) -> dict[str, Any]:
    exported = compact({"title": goal.title, "slug": goal.slug, "summary": goal.summary})
    exported |= translations_of(goal)
    strategies = [
        compact(
            {
                "title": strategy.title,
                "description": strategy.description,
                "progress": strategy.progress,
                "department": strategy.department.name if strategy.department else "",
                "measures": [measure.slug for measure in strategy.measures.all()],
            }
        )
        | translations_of(strategy)
        for strategy in goal.strategies.all()
    ]
    if strategies:
        exported["strategies"] = strategies
    narratives = {
        narrative.period: compact(
            {
                "context": narrative.context,
                "actions": narrative.actions,
                "next_steps": narrative.next_steps,
                # A draft is the default the importer reads back.
                "state": "" if narrative.state == GoalNarrative.State.DRAFT else narrative.state,
                "review_comment": narrative.review_comment,
            }
        )
        | translations_of(narrative)
        for narrative in goal.narratives.order_by("period")
    }
    if narratives:
        exported["narratives"] = narratives
    exported["objectives"] = [
        {
            "title": objective.title,
            **translations_of(objective),
            "measures": [export_measure(measure) for measure in objective.measures.all()],
        }
        for objective in goal.objectives.all()
    ]
    return exported


def export_measure(measure: Measure) -> dict[str, Any]:
    exported = compact(
        {
            "title": measure.title,
            "slug": measure.slug,
            "definition": measure.definition,
            "unit": measure.unit,
            "direction": measure.direction,
            "frequency": measure.frequency,
            "department": measure.department.name if measure.department else "",
            "owner": measure.owner_name,
            "dataset": measure.dataset.slug if measure.dataset and not measure.spec else "",
            "data_source": measure.data_source,
        }
    )
    exported |= translations_of(measure)
    if not measure.is_public:
        exported["public"] = False
    if measure.is_headline:
        exported["headline"] = True
    if measure.baseline_value is not None or measure.baseline_label:
        exported["baseline"] = compact(
            {"value": measure.baseline_value, "label": measure.baseline_label}
        )
    if measure.spec:
        exported["spec"] = measure.spec
    export_values(measure, exported)
    targets = {
        target.fiscal_year: compact(
            {
                "value": target.value,
                "tolerance": target.tolerance,
                "style": "" if target.style == Target.Style.PROXIMITY else target.style,
                "off_track_at": target.off_track_at,
                "note": target.note,
            }
        )
        for target in measure.targets.all()
    }
    if targets:
        exported["targets"] = targets
    return exported


def export_values(measure: Measure, exported: dict[str, Any]) -> None:
    """Add the measure's typed-in values: one `source_note` for the notes most share, and
    {value, source_note} for a value whose note differs."""
    if not measure.is_manual:
        return
    entered = list(
        MeasureValue.objects.filter(
            measure=measure,
            breakdown="",
            origin=MeasureValue.Origin.ENTERED,
            value__isnull=False,
        ).order_by("period_start")
    )
    if not entered:
        return
    notes = Counter(value.source_note for value in entered)
    note = notes.most_common(1)[0][0]
    if note:
        exported["source_note"] = note
    exported["values"] = {
        value.period: value.value
        if value.source_note == note
        else {"value": value.value, "source_note": value.source_note}
        for value in entered
    }


def translations_of(row: Translatable) -> dict[str, Any]:
    """Return `{"translations": {...}}` when the row has text in other languages, else {}."""
    return {"translations": row.translations} if row.translations else {}


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values, which the importer reads back as the same defaults."""
    return {key: value for key, value in values.items() if value not in ("", None, [])}


def dump_plan(plan: Plan) -> str:
    return yaml.safe_dump(
        export_plan(plan), sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def plan_value_warnings(plan: Plan) -> list[str]:
    """Return a warning for each percent measure whose typed-in values look like fractions."""
    warnings = []
    measures = Measure.objects.filter(
        objective__goal__priority_area__plan=plan, spec={}, unit=Measure.Unit.PERCENT
    ).prefetch_related("targets")
    for measure in measures:
        values = list(
            MeasureValue.objects.filter(
                measure=measure, breakdown="", value__isnull=False
            ).values_list("value", flat=True)
        )
        if warning := fraction_warning(measure, [value for value in values if value is not None]):
            warnings.append(warning)
    return warnings
