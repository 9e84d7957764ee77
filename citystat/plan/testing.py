"""The one plan builder the tests share (CONTRIBUTING.md, Testing).

Plain functions, so benchmarks and browser tests call them outside pytest; the root
`conftest.py` wraps them as fixtures (`plan`, `scoped_measures`).

    built = build_plan()                      # the current Citywide Business Plan
    area = built.area("infrastructure", "Infrastructure", position=1)
    goal = built.goal("infrastructure", "water", "Clean water")
    built.objective("water", "Fix main breaks fast")
    built.measure(
        "Fix main breaks fast", "main-breaks-fixed",
        department=water, targets={2026: (90, 5)}, values={"2026-03": 84.0},
    )
    built.measures["main-breaks-fixed"]       # every object is kept by its slug (title for
                                              # objectives)

A measure computed from a dataset takes `spec=`; `add_measure(slug, spec)` puts it in a
one-goal plan made on first use, for tests about computing rather than the plan's shape.
Values are stored as staff enter them unless `origin=` says otherwise, cut by the city's
fiscal calendar unless `calendar=` gives another. Fields not named here pass through to
the model, so a test sets exactly what it checks (positions, translations, `is_public`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from citystat.city.models import CityProfile
from citystat.lib.periods import FiscalCalendar, parse_period
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Objective,
    Plan,
    PriorityArea,
    Target,
)

# fiscal year → target, or (target, tolerance)
Targets = Mapping[int, float | tuple[float, float]]
# period label → value
Values = Mapping[str, float | None]


@dataclass
class BuiltPlan:
    """A plan and what was built in it, each kept by its slug (objectives by title)."""

    plan: Plan
    areas: dict[str, PriorityArea] = field(default_factory=dict)
    goals: dict[str, Goal] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)

    def area(self, slug: str, title: str, **fields: Any) -> PriorityArea:
        area = PriorityArea.objects.create(plan=self.plan, slug=slug, title=title, **fields)
        self.areas[slug] = area
        return area

    def goal(self, area: str, slug: str, title: str, **fields: Any) -> Goal:
        goal = Goal.objects.create(priority_area=self.areas[area], slug=slug, title=title, **fields)
        self.goals[slug] = goal
        return goal

    def objective(self, goal: str, title: str, **fields: Any) -> Objective:
        objective = Objective.objects.create(goal=self.goals[goal], title=title, **fields)
        self.objectives[title] = objective
        return objective

    def measure(
        self,
        objective: str | Objective,
        slug: str,
        *,
        title: str | None = None,
        definition: str = "A measure for the tests.",
        unit: str = Measure.Unit.PERCENT,
        direction: str = Measure.Direction.HIGHER_IS_BETTER,
        frequency: str | None = None,
        spec: Mapping[str, Any] | None = None,
        targets: Targets | None = None,
        values: Values | None = None,
        calendar: FiscalCalendar | None = None,
        value_origin: str = MeasureValue.Origin.ENTERED,
        **fields: Any,
    ) -> Measure:
        """Create a measure (titled from its slug unless `title` is given) with its
        targets and values; a spec's grain sets the frequency unless `frequency` does.

        `objective` is one this builder made, by title, or any saved objective."""
        measure = Measure.objects.create(
            objective=objective if isinstance(objective, Objective) else self.objectives[objective],
            slug=slug,
            title=slug.replace("-", " ").capitalize() if title is None else title,
            definition=definition,
            unit=unit,
            direction=direction,
            frequency=frequency or (spec or {}).get("grain", Measure.Frequency.MONTH),
            **({"spec": spec} if spec is not None else {}),
            **fields,
        )
        for fiscal_year, target in (targets or {}).items():
            goal, tolerance = target if isinstance(target, tuple) else (target, None)
            Target.objects.create(
                measure=measure,
                fiscal_year=fiscal_year,
                value=goal,
                # Left out, the model's default tolerance stands.
                **({} if tolerance is None else {"tolerance": tolerance}),
            )
        for label, value in (values or {}).items():
            add_value(measure, label, value, calendar=calendar, origin=value_origin)
        self.measures[slug] = measure
        return measure


def build_plan(
    *,
    slug: str = "citywide-business-plan",
    title: str = "Citywide Business Plan",
    first_fiscal_year: int = 2025,
    last_fiscal_year: int = 2029,
    is_current: bool = True,
    **fields: Any,
) -> BuiltPlan:
    """Create a plan (by default the current Citywide Business Plan, FY2025–FY2029)."""
    plan = Plan.objects.create(
        slug=slug,
        title=title,
        first_fiscal_year=first_fiscal_year,
        last_fiscal_year=last_fiscal_year,
        is_current=is_current,
        **fields,
    )
    return BuiltPlan(plan)


def add_value(
    measure: Measure,
    label: str,
    value: float | None,
    *,
    calendar: FiscalCalendar | None = None,
    origin: str = MeasureValue.Origin.ENTERED,
    **fields: Any,
) -> MeasureValue:
    """Store `measure`'s value for the period `label` names, cut by `calendar` (by default
    the city's fiscal calendar)."""
    period = parse_period(label, calendar or CityProfile.current().fiscal_calendar)
    return MeasureValue.objects.create(
        measure=measure,
        period=label,
        period_start=period.start,
        period_end=period.end,
        value=value,
        origin=origin,
        **fields,
    )


def add_monthly_history(
    measure: Measure, months: int, value_of: Callable[[int], float], *, today: dt.date
) -> None:
    """Store `measure`'s values for the `months` whole months before `today`'s, in one
    insert (benchmarks build years of them); `value_of(back)` is the value `back` months
    before the latest."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    values = []
    for back in range(months):
        start = end.replace(day=1)
        values.append(
            MeasureValue(
                measure=measure,
                period=f"{start:%Y-%m}",
                period_start=start,
                period_end=end,
                value=value_of(back),
            )
        )
        end = start - dt.timedelta(days=1)
    MeasureValue.objects.bulk_create(values)


def build_history_plan(
    *,
    measures: int,
    months: int,
    goals: int,
    last_fiscal_year: int,
    today: dt.date,
    **measure_fields: Any,
) -> BuiltPlan:
    """Create a plan "plan" from FY2020 with one area ("infrastructure"), `goals` goals of one
    objective each, and `measures` monthly percent measures dealt over them, each with a
    target of 90 ± 3 in force every year and `months` months of values before `today`'s
    (the briefing and export benchmarks' plan)."""
    built = build_plan(
        slug="plan", title="Plan", first_fiscal_year=2020, last_fiscal_year=last_fiscal_year
    )
    built.area("infrastructure", "Infrastructure")
    for number in range(goals):
        built.goal("infrastructure", f"g{number}", f"Goal {number}")
        built.objective(f"g{number}", f"Objective {number}")
    objectives = list(built.objectives)
    for number in range(measures):
        measure = built.measure(
            objectives[number % goals],
            f"measure-{number}",
            title=f"Measure number {number}",
            definition="A benchmark measure.",
            targets={2000: (90, 3)},
            **measure_fields,
        )
        add_monthly_history(measure, months, partial(history_value, number), today=today)
    return built


def history_value(number: int, back: int) -> float:
    """Measure `number`'s value `back` months before its latest: between 80 and 96."""
    return 80 + (number * 7 + back * 3) % 17


def add_measure(
    slug: str,
    spec: Mapping[str, Any],
    *,
    first_fiscal_year: int = 2025,
    last_fiscal_year: int = 2027,
    is_current: bool = False,
    **fields: Any,
) -> Measure:
    """Add a measure with `spec` to a one-goal plan (slug "p") made on first use.

    The plan's years and currency count only when this call makes it. The measure is
    titled by its slug and counts something unless `fields` say otherwise.
    """
    plan = Plan.objects.get_or_create(
        slug="p",
        defaults={
            "title": "P",
            "first_fiscal_year": first_fiscal_year,
            "last_fiscal_year": last_fiscal_year,
            "is_current": is_current,
        },
    )[0]
    area = PriorityArea.objects.get_or_create(plan=plan, slug="a", defaults={"title": "A"})[0]
    goal = Goal.objects.get_or_create(priority_area=area, slug="g", defaults={"title": "G"})[0]
    built = BuiltPlan(plan, {"a": area}, {"g": goal})
    built.objectives["O"] = Objective.objects.get_or_create(goal=goal, title="O")[0]
    fields = {"title": slug, "definition": "d", "unit": Measure.Unit.COUNT, **fields}
    return built.measure("O", slug, spec=spec, **fields)


def build_tiny_plan() -> Plan:
    """Create the tiny current plan the public site's tests read: two priority areas, three
    goals, and three measures under "Fix potholes fast", the last of them not public."""
    built = build_plan()
    built.area(
        "infrastructure",
        "Infrastructure",
        summary="Streets, water and sewers residents can count on.",
        position=1,
    )
    built.area("public-safety", "Public Safety", summary="Safe neighborhoods.", position=2)
    built.goal("infrastructure", "streets", "Keep streets in good repair", position=1)
    built.goal("infrastructure", "water", "Deliver clean, reliable water", position=2)
    built.goal("public-safety", "response", "Answer emergencies quickly", position=1)
    built.objective("streets", "Fix potholes fast")
    for slug, is_public in [("potholes-closed", True), ("lane-miles", True), ("draft", False)]:
        built.measure("Fix potholes fast", slug, is_public=is_public)
    return built.plan


def build_scoped_measures(departments: Mapping[str, Any]) -> dict[str, Measure]:
    """Create a current plan with one measure per department of the test cast, keyed by
    department code: Water Services' main-breaks-fixed, Public Works' potholes-closed."""
    built = build_plan()
    built.area("infrastructure", "Infrastructure", position=1)
    built.goal("infrastructure", "water", "Clean water", position=1)
    built.objective("water", "Fix main breaks fast")
    return {
        code: built.measure("Fix main breaks fast", slug, department=departments[code])
        for code, slug in [("water", "main-breaks-fixed"), ("public-works", "potholes-closed")]
    }
