"""What the "how we measure" page shows: status rules, roll-ups, data freshness, the plan's
change log (the view is citystat/public/views/method.py).

The rules are not written out by hand: every threshold on the page is one of
citystat/plan/status.py's named thresholds, which `judge()` and `roll_up()` use, and every
example is judged by `judge()` itself, so the page cannot drift from the code that gives
the statuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from citystat.catalog.models import FRESHNESS, Dataset
from citystat.city.translations import localized
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea, Status, Target
from citystat.plan.status import (
    ATTENTION_SCORE,
    ATTENTION_TOLERANCES,
    FREQUENCY_GRAIN,
    ON_TRACK_SCORE,
    POINTS,
    judge,
    recent_days,
)

CHANGES_PER_PAGE = 25
# Fields residents may see change; owner names, visibility flags and specs stay out.
PUBLIC_FIELDS: dict[type[Model], list[str]] = {
    Plan: ["title", "description", "first_fiscal_year", "last_fiscal_year"],
    PriorityArea: ["title", "summary"],
    Goal: ["title", "summary"],
    Objective: ["title"],
    Measure: ["title", "definition", "unit", "direction", "frequency", "baseline_value"],
    Target: ["fiscal_year", "value", "style", "tolerance", "off_track_at", "note"],
}
KIND_NAMES = {
    Plan: gettext_lazy("Plan"),
    PriorityArea: gettext_lazy("Priority area"),
    Goal: gettext_lazy("Goal"),
    Objective: gettext_lazy("Objective"),
    Measure: gettext_lazy("Measure"),
    Target: gettext_lazy("Target"),
}
ACTIONS = {
    "+": gettext_lazy("Added"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Removed"),
}


# Model choice labels are plain English; these marks put them in the Spanish catalog, and
# `translated` looks them up when a page is drawn (citystat/public/plan_pages.py does too).
CHOICE_LABELS = [
    gettext_noop("On track"),
    gettext_noop("Needs attention"),
    gettext_noop("Off track"),
    gettext_noop("No recent data"),
    gettext_noop("Target pending"),
    gettext_noop("Monthly"),
    gettext_noop("Quarterly"),
    gettext_noop("Each fiscal year"),
    gettext_noop("Each calendar year"),
    gettext_noop("Daily"),
    gettext_noop("Weekly"),
    gettext_noop("Yearly"),
    gettext_noop("As needed"),
]


def translated(label: object) -> str:
    return _(str(label))


@dataclass(frozen=True)
class Example:
    value: float
    status: Status

    @property
    def label(self) -> str:
        return translated(self.status.label)


@dataclass(frozen=True)
class StatusRules:
    attention_multiple: float  # needs attention up to this many tolerances short
    examples_proximity: list[Example]
    examples_bands: list[Example]
    target: float
    tolerance: float
    off_track_at: float
    points: dict[str, int]
    on_track_score: float
    attention_score: float
    recent_days: dict[str, int]


def status_rules() -> StatusRules:
    """Work out the page's rules and examples from plan.status, with a 90%-target example."""
    target, tolerance, off_track_at = 90.0, 5.0, 75.0
    proximity = Target(value=target, tolerance=tolerance, style=Target.Style.PROXIMITY)
    bands = Target(value=target, style=Target.Style.BANDS, off_track_at=off_track_at)
    higher = Measure.Direction.HIGHER_IS_BETTER
    return StatusRules(
        attention_multiple=ATTENTION_TOLERANCES,
        examples_proximity=[
            Example(value, judge(value, proximity, higher)) for value in (93, 86, 82, 78)
        ],
        examples_bands=[Example(value, judge(value, bands, higher)) for value in (92, 80, 70)],
        target=target,
        tolerance=tolerance,
        off_track_at=off_track_at,
        points={translated(status.label): points for status, points in POINTS.items()},
        on_track_score=ON_TRACK_SCORE,
        attention_score=ATTENTION_SCORE,
        recent_days={
            translated(Measure.Frequency(frequency).label): recent_days(grain)
            for frequency, grain in FREQUENCY_GRAIN.items()
        },
    )


@dataclass(frozen=True)
class Freshness:
    dataset: Dataset
    last_loaded: dt.datetime | None
    promised: str
    allowed_days: int | None
    schedule: str
    next_refresh_at: dt.datetime | None
    is_stale: bool


def data_freshness(now: dt.datetime) -> list[Freshness]:
    """Return each public dataset's last load, refresh schedule and whether it is stale."""
    rows = []
    for dataset in Dataset.objects.filter(is_public=True).order_by("title"):
        version = dataset.latest_version
        allowed = FRESHNESS.get(dataset.update_frequency)
        rows.append(
            Freshness(
                dataset=dataset,
                last_loaded=version.finished_at if version else None,
                promised=translated(dataset.get_update_frequency_display()),
                allowed_days=allowed.days if allowed else None,
                schedule=dataset.refresh_schedule,
                next_refresh_at=dataset.next_refresh_at,
                is_stale=dataset.is_stale(now),
            )
        )
    return rows


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    kind: str
    action: str
    title: str
    url: str | None
    fields: list[tuple[str, str, str]]  # (field label, before, after)
    reason: str


def public_history_queries(plan: Plan) -> list[Any]:
    """Return one query per model over the history rows of the plan's public elements."""
    areas = list(PriorityArea.objects.filter(plan=plan).values_list("pk", flat=True))
    goals = list(Goal.objects.filter(priority_area__plan=plan).values_list("pk", flat=True))
    objectives = list(Objective.objects.filter(goal_id__in=goals).values_list("pk", flat=True))
    measures = list(
        Measure.objects.filter(objective_id__in=objectives, is_public=True).values_list(
            "pk", flat=True
        )
    )
    return [
        Plan.history.filter(id=plan.pk),
        PriorityArea.history.filter(plan_id=plan.pk),
        Goal.history.filter(priority_area_id__in=areas),
        Objective.history.filter(goal_id__in=goals),
        Measure.history.filter(id__in=measures, is_public=True),
        Target.history.filter(measure_id__in=measures),
    ]


def public_history_keys(plan: Plan) -> list[tuple[dt.datetime, int, int]]:
    """Return (when, history id, query index) of every public history row, newest first.

    Only these small keys are read for the whole log; full rows are read for one page.
    """
    keys = [
        (when, history_id, index)
        for index, query in enumerate(public_history_queries(plan))
        for when, history_id in query.order_by().values_list("history_date", "history_id")
    ]
    return sorted(keys, reverse=True)


def history_rows(plan: Plan, keys: list[tuple[dt.datetime, int, int]]) -> list[Any]:
    """Return the full history rows for `keys`, in the keys' order."""
    queries = public_history_queries(plan)
    found: dict[tuple[int, int], Any] = {}
    for index in {index for _when, _id, index in keys}:
        wanted = [history_id for _when, history_id, i in keys if i == index]
        for row in queries[index].filter(history_id__in=wanted):
            found[(index, row.history_id)] = row
    return [found[(index, history_id)] for _when, history_id, index in keys]


def describe_records(records: list[Any]) -> list[Change]:
    """Describe a page of history records, reading what they link to once per model."""
    wanted: dict[type[Model], set[int]] = {}
    for record in records:
        if record.instance_type is Target:
            wanted.setdefault(Measure, set()).add(record.measure_id)
        elif record.history_type != "-" and record.instance_type not in (Plan, Objective):
            wanted.setdefault(record.instance_type, set()).add(record.id)
    found = {model: model._default_manager.in_bulk(sorted(ids)) for model, ids in wanted.items()}
    return [describe_record(record, found) for record in records]


def describe_record(record: Any, found: dict[type[Model], dict[int, Any]]) -> Change:
    """Describe one history record; `found` holds the objects it links to, by model and id."""
    model = record.instance_type
    fields: list[tuple[str, str, str]] = []
    if record.history_type == "~":
        previous = record.prev_record
        if previous is not None:
            delta = record.diff_against(previous, included_fields=PUBLIC_FIELDS[model])
            fields = [
                (
                    capfirst(str(model._meta.get_field(change.field).verbose_name)),
                    shown(change.old),
                    shown(change.new),
                )
                for change in delta.changes
            ]
    if model is Target:
        measure = found.get(Measure, {}).get(record.measure_id)
        title = _("FY%(year)s target of %(measure)s: %(value)s") % {
            "year": record.fiscal_year,
            "measure": localized(measure, "title").text if measure else "",
            "value": f"{record.value:g}",
        }
        url = measure.get_absolute_url() if measure else None
    else:
        # The title as it was then, in the reader's language where it was written in it.
        title = localized(record, "title").text
        instance = found.get(model, {}).get(record.id)
        url = instance.get_absolute_url() if instance is not None else None
    return Change(
        when=record.history_date,
        kind=str(KIND_NAMES[model]),
        action=str(ACTIONS.get(record.history_type, "")),
        title=title,
        url=url,
        fields=fields,
        reason=record.history_change_reason or "",
    )


def shown(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def change_log(
    plan: Plan | None, page_number: str | None
) -> tuple[Page[tuple[dt.datetime, int, int]], list[Change]]:
    """Return one page of the plan's public change log and its described changes."""
    keys = public_history_keys(plan) if plan is not None else []
    page = Paginator(keys, CHANGES_PER_PAGE).get_page(page_number)
    rows = history_rows(plan, list(page.object_list)) if plan is not None else []
    return page, describe_records(rows)
