"""Bulk work on the staff measure list: one change (owner, department, frequency or the
public flag) to many measures, with one reason, in one transaction.

The change is made to each plan's exported document and written back as a plan import
(plan/editor.py, `write`), so the plan's own checks decide what is valid with their own
messages, every changed measure's history row carries the reason, and `plan export`
writes exactly what was left. docs/plan.md, "Bulk work".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from citystat.city.models import Department
from citystat.lib.errors import CitystatError
from citystat.plan import editor
from citystat.plan.documents import export_plan
from citystat.plan.models import Measure, Plan

# What a bulk change may set: {name: the measure's key in the plan file}.
BULK_FIELDS = {
    "owner": "owner",
    "department": "department",
    "frequency": "frequency",
    "public": "public",
}


class BulkRefused(CitystatError):
    """The bulk change was refused as a whole; `problems` says why, nothing changed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BulkChange:
    field: str
    # Text for owner, a department's name ("" for none), a frequency, or a bool for public.
    value: str | bool
    reason: str


def refused_measures(user: Any, measures: list[Measure]) -> list[Measure]:
    return [m for m in measures if not user.has_perm("plan.change_measure", m)]


def check_change(user: Any, slugs: list[str], change: BulkChange) -> list[Measure]:
    """Return the measures `slugs` name, or raise BulkRefused saying every reason not to."""
    problems = []
    if change.field not in BULK_FIELDS:
        problems.append(f"{change.field!r} is not something a bulk change sets.")
    if not change.reason.strip():
        problems.append("Say why: the reason is kept in each measure's history.")
    found = {m.slug: m for m in Measure.objects.filter(slug__in=slugs).select_related("department")}
    missing = [slug for slug in slugs if slug not in found]
    if not slugs:
        problems.append("Select at least one measure.")
    if missing:
        problems.append(f"No such measures: {', '.join(missing)}.")
    measures = [found[slug] for slug in slugs if slug in found]
    refused = refused_measures(user, measures)
    if refused:
        names = ", ".join(f"{m.title} ({m.department or 'no department'})" for m in refused)
        problems.append(
            f"You may not change {names}: they belong to a department you do not work for. "
            "Nothing was changed; select only your department's measures."
        )
    if change.field == "department":
        department = Department.objects.filter(name=change.value).first()
        if change.value and department is None:
            problems.append(f"{change.value!r} is not one of the city's departments.")
        elif not user.has_perm("plan.change_measure", Measure(department=department)):
            # A department editor would lose the measures they moved (or left with none).
            where = department.name if department else "no department"
            problems.append(f"You may not give measures to {where}: you do not work for it.")
    if problems:
        raise BulkRefused(problems)
    return measures


def document_value(change: BulkChange) -> Any:
    """Return the plan-file value of the change (None removes the key: the default)."""
    if change.field == "public":
        return None if change.value else False
    return change.value or None


def named(problem: str, paths: dict[str, str]) -> str:
    """Return the plan checker's `problem` with a measure's path replaced by its slug."""
    path, _, message = problem.partition(": ")
    for where, slug in paths.items():
        if path == where or path.startswith(where + "."):
            return f"{slug}{path.removeprefix(where)}: {message}"
    return problem


def bulk_change(user: Any, slugs: list[str], change: BulkChange) -> list[Measure]:
    """Apply `change` to the measures `slugs` names, all or none; return them as saved.

    Raises BulkRefused when a measure is not `user`'s to change (naming each) or the
    plan's checks refuse the result; nothing is written then.
    """
    measures = check_change(user, slugs, change)
    key, value = BULK_FIELDS[change.field], document_value(change)
    by_plan: dict[int, list[Measure]] = {}
    for measure in measures:
        by_plan.setdefault(editor.plan_of(measure).pk, []).append(measure)
    with transaction.atomic():
        for plan_pk, members in by_plan.items():
            plan = Plan.objects.get(pk=plan_pk)
            document = export_plan(plan)
            paths = {}
            for measure in members:
                located = editor.locate(document, measure)
                paths[located.where] = measure.slug
                if value is None:
                    located.entry.pop(key, None)
                else:
                    located.entry[key] = value
            try:
                editor.write(plan, document, change.reason.strip(), "")
            except editor.EditRefused as refused:
                raise BulkRefused([named(problem, paths) for problem in refused.general]) from None
    return list(Measure.objects.filter(pk__in=[m.pk for m in measures]).order_by("title"))
