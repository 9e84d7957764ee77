"""The plan editor: change the plan from the browser through the plan file's own door.

Every edit is made to the plan's exported document (documents.export_plan) and written
back with documents.load_plan, so a browser edit is checked by the same PlanChecker with
the same messages as `citystat plan import`, lands in the same history (who through
simple_history's request middleware, when, and the reason given), and a later
`plan export` writes exactly what the editor left. docs/plan.md, "The plan editor".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from citystat.lib.errors import CitystatError
from citystat.plan.documents import PlanDocumentError, export_plan, load_plan
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea, Strategy

EDITOR_SOURCE = "the plan editor"
Element = PriorityArea | Goal | Objective | Measure | Strategy


class EditRefused(CitystatError):
    """An edit the plan's checks refuse: `fields` maps a plan-file key of the edited
    element ("title", "spec.filter") to its messages; `general` holds the rest."""

    def __init__(self, fields: dict[str, list[str]], general: list[str]) -> None:
        self.fields = fields
        self.general = general
        lines = [f"{key}: {message}" for key, messages in fields.items() for message in messages]
        super().__init__("; ".join(lines + general))


class StaleEdit(CitystatError):
    """Someone saved the element after this person opened it; `changes` says what."""

    def __init__(self, changes: list[str]) -> None:
        self.changes = changes
        super().__init__("; ".join(changes))


@dataclass
class Located:
    """Where an element sits in the plan document: its list, its index and its path."""

    siblings: list[dict[str, Any]]
    index: int
    where: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def entry(self) -> dict[str, Any]:
        return self.siblings[self.index]


def version_of(element: models.Model) -> str:
    """Return the token of the element's newest saved state (its newest history row)."""
    newest = element.history.order_by("-history_id").values_list("history_id", flat=True).first()  # type: ignore[attr-defined]
    return str(newest or 0)


def changes_since(element: models.Model, version: str) -> list[str]:
    """Return "field: before → after" for each field saved since `version`, with who."""
    history = element.history  # type: ignore[attr-defined]
    newest = history.order_by("-history_id").select_related("history_user").first()
    old = history.filter(history_id=int(version)).first() if version.isdigit() else None
    if newest is None or old is None:
        return ["it was changed or recreated by someone else"]
    who = newest.history_user.get_username() if newest.history_user else "someone"
    delta = newest.diff_against(old)
    changed = [
        f"{change.field}: {change.old!r} → {change.new!r}"
        for change in delta.changes
        if change.field != "computed_spec_digest"
    ]
    when = f"{newest.history_date:%Y-%m-%d %H:%M}"
    return [f"{who} saved it at {when}"] + (changed or ["its position in the plan"])


def check_version(element: models.Model, version: str) -> None:
    """Raise StaleEdit when the element was saved after the form showing `version` opened.

    Called inside the edit's transaction: the element's row is locked first, so of two
    saves at once (on PostgreSQL) the second waits and then sees the first's version.
    """
    list(type(element)._default_manager.select_for_update().filter(pk=element.pk).values_list("pk"))
    if version != version_of(element):
        raise StaleEdit(changes_since(element, version))


def plan_of(element: Element) -> Plan:
    if isinstance(element, PriorityArea):
        return element.plan
    if isinstance(element, Goal | Strategy):
        goal = element if isinstance(element, Goal) else element.goal
        return goal.priority_area.plan
    if isinstance(element, Objective):
        return element.goal.priority_area.plan
    return element.objective.goal.priority_area.plan


def index_in(rows: models.QuerySet[models.Model], element: models.Model) -> int:
    return list(rows.values_list("pk", flat=True)).index(element.pk)


def locate(document: dict[str, Any], element: Element) -> Located:
    """Return where `element` sits in `document`, the export of its plan.

    The export lists each level in the order the models sort (position, then title),
    so an element's index among its siblings in the database is its index in the file.
    """
    if isinstance(element, PriorityArea):
        index = index_in(element.plan.priority_areas.all(), element)
        return Located(document["priority_areas"], index, f"priority_areas[{index}]")
    if isinstance(element, Goal):
        area = locate(document, element.priority_area)
        index = index_in(element.priority_area.goals.all(), element)
        return Located(area.entry["goals"], index, f"{area.where}.goals[{index}]")
    if isinstance(element, Objective | Strategy):
        goal = locate(document, element.goal)
        key = "objectives" if isinstance(element, Objective) else "strategies"
        rows = (
            element.goal.objectives.all() if key == "objectives" else element.goal.strategies.all()
        )
        index = index_in(rows, element)
        return Located(goal.entry[key], index, f"{goal.where}.{key}[{index}]")
    objective = locate(document, element.objective)
    index = index_in(element.objective.measures.all(), element)
    return Located(objective.entry["measures"], index, f"{objective.where}.measures[{index}]")


def child_list(
    document: dict[str, Any], parent: Plan | Element, key: str
) -> tuple[list[dict[str, Any]], str]:
    """Return the list of `parent`'s children called `key` in `document`, and its path."""
    if isinstance(parent, Plan):
        return document.setdefault(key, []), key
    located = locate(document, parent)
    return located.entry.setdefault(key, []), f"{located.where}.{key}"


def write(plan: Plan, document: dict[str, Any], reason: str, where: str) -> Plan:
    """Check and write `document` as `plan`, or raise EditRefused with the problems at
    `where` (the edited element's path) keyed by the element's own keys."""
    try:
        return load_plan(document, EDITOR_SOURCE, make_current=plan.is_current, reason=reason)
    except PlanDocumentError as error:
        fields: dict[str, list[str]] = {}
        general: list[str] = []
        for problem in error.problems:
            path, _, message = problem.partition(": ")
            if path.startswith(where + "."):
                fields.setdefault(path.removeprefix(where + "."), []).append(message)
            elif path == where:
                general.append(message)
            else:
                general.append(problem)
        raise EditRefused(fields, general) from None


def edit(element: Element, changes: dict[str, Any], reason: str, version: str) -> Plan:
    """Change `element`'s keys in the plan file (None removes a key), as a plan import.

    Raises StaleEdit if someone saved it since `version`, EditRefused if the plan's
    checks refuse the result; nothing is written then.
    """
    with transaction.atomic():
        check_version(element, version)
        plan = plan_of(element)
        document = export_plan(plan)
        located = locate(document, element)
        entry = located.entry
        for key, value in changes.items():
            if value is None or value == "" or value == [] or value == {}:
                entry.pop(key, None)
            else:
                entry[key] = value
        return write(plan, document, reason, located.where)


# The list each new element of a level holds, as the plan file requires it.
CHILDREN = {"priority_areas": "goals", "goals": "objectives", "objectives": "measures"}


def add(parent: Plan | Element, key: str, entry: dict[str, Any], reason: str) -> Plan:
    """Append `entry` to `parent`'s `key` list (goals of an area, measures of an objective…)."""
    plan = parent if isinstance(parent, Plan) else plan_of(parent)
    with transaction.atomic():
        document = export_plan(plan)
        siblings, path = child_list(document, parent, key)
        if key == "measures":
            slug = entry.get("slug") or slugify(str(entry.get("title", "")))[:80]
            if Measure.objects.filter(slug=slug).exists():
                raise EditRefused({"slug": [f"slug {slug!r} is already another measure's."]}, [])
        entry = {k: v for k, v in entry.items() if v not in (None, "", [], {})}
        if key in CHILDREN:
            entry[CHILDREN[key]] = []  # the plan file lists a level's children, even none
        siblings.append(entry)
        where = f"{path}[{len(siblings) - 1}]"
        return write(plan, document, reason, where)


def move(element: Element, step: int, reason: str) -> Plan:
    """Move `element` `step` places among its siblings (−1 up, +1 down)."""
    plan = plan_of(element)
    with transaction.atomic():
        document = export_plan(plan)
        located = locate(document, element)
        target = located.index + step
        if not 0 <= target < len(located.siblings):
            raise EditRefused({}, ["it is already at that end of the list."])
        siblings = located.siblings
        siblings[located.index], siblings[target] = siblings[target], siblings[located.index]
        return write(plan, document, reason, located.where)


def retire(element: Element, reason: str, version: str) -> Plan:
    """Take `element` (and what it holds) out of the plan, as removing it from the file does.

    Its history keeps every earlier state with this reason, as an import's removal would.
    """
    if not reason.strip():
        raise EditRefused(
            {"reason": ["say why it is retired; the reason is kept in its history."]}, []
        )
    with transaction.atomic():
        check_version(element, version)
        plan = plan_of(element)
        document = export_plan(plan)
        located = locate(document, element)
        removed = located.siblings.pop(located.index)
        if isinstance(element, Measure):
            # A strategy naming the measure would otherwise refer to nothing.
            drop_measure_from_strategies(document, removed.get("slug", element.slug))
        written = write(plan, document, reason.strip(), located.where)
        # The import deletes with a query, which gives the deletion's history row no
        # reason; the retired element's row gets the one given here.
        element.history.filter(**{element._meta.pk.attname: element.pk}, history_type="-").update(
            history_change_reason=reason.strip()
        )
        return written


def drop_measure_from_strategies(document: dict[str, Any], slug: str) -> None:
    for area in document.get("priority_areas", []):
        for goal in area.get("goals", []):
            for strategy in goal.get("strategies", []):
                if slug in strategy.get("measures", []):
                    strategy["measures"] = [s for s in strategy["measures"] if s != slug]
                    if not strategy["measures"]:
                        del strategy["measures"]
