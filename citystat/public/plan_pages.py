"""What the public plan pages show, as plain functions (views stay thin, tests need no HTTP).

Everything here reads stored plan rows (MeasureValue, Target, Narrative …), never the
warehouse, so a measure page costs a few small queries whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.city.places import Place, area_url, kind_of_layer, place_for_value
from citystat.city.translations import localized
from citystat.lib.periods import FiscalCalendar
from citystat.plan import display, revision, status
from citystat.plan.charts import base_spec
from citystat.plan.compute.engine import NOT_RECORDED
from citystat.plan.history import describe, target_history
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Plan,
    PriorityArea,
    Status,
    Target,
)
from citystat.plan.status import MeasureStatus, roll_up, status_for
from citystat.plan.templatetags.plan_periods import period_name
from citystat.plan.value_records import PUBLISHED_FIELDS, value_record

# The order statuses are counted and shown in, with their CSS modifier.
STATUS_ORDER = [
    Status.ON_TRACK,
    Status.NEEDS_ATTENTION,
    Status.OFF_TRACK,
    Status.NO_RECENT_DATA,
    Status.NO_TARGET,
]
STATUS_CSS = {
    Status.ON_TRACK: "on-track",
    Status.NEEDS_ATTENTION: "needs-attention",
    Status.OFF_TRACK: "off-track",
    Status.NO_RECENT_DATA: "no-data",
    Status.NO_TARGET: "no-data",
}
HEADLINE_LIMIT = 6
# The status labels (citystat.plan.models.Status), marked so makemessages collects them.
STATUS_WORDS = [
    gettext_noop("On track"),
    gettext_noop("Needs attention"),
    gettext_noop("Off track"),
    gettext_noop("No recent data"),
    gettext_noop("Target pending"),
]


# ---------------------------------------------------------------- finding pages by slug


def current_plan() -> Plan | None:
    return Plan.current()


def public_measures() -> QuerySet[Measure]:
    """Measures residents may see: public ones in the current plan."""
    return Measure.objects.filter(
        is_public=True, objective__goal__priority_area__plan__is_current=True
    )


def find_area(slug: str) -> PriorityArea | None:
    return (
        PriorityArea.objects.filter(plan__is_current=True, slug=slug).select_related("plan").first()
    )


def find_goal(slug: str) -> Goal | None:
    return (
        Goal.objects.filter(priority_area__plan__is_current=True, slug=slug)
        .select_related("priority_area__plan")
        .first()
    )


def find_measure(slug: str) -> Measure | None:
    """Return the public measure `slug`; internal measures are not acknowledged to exist."""
    return (
        public_measures()
        .filter(slug=slug)
        .select_related("objective__goal__priority_area", "dataset", "department")
        .first()
    )


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str


def close_matches(slug: str, kind: str, limit: int = 5) -> list[Suggestion]:
    """Return pages of `kind` ("measure", "goal", "priority") whose slug or title is like
    `slug`, for the "did you mean" list of a 404."""
    candidates: list[tuple[str, str, str]]  # (slug, title, url)
    if kind == "measure":
        candidates = [
            (m.slug, m.title, m.get_absolute_url()) for m in public_measures().only("slug", "title")
        ]
    elif kind == "goal":
        candidates = [
            (g.slug, g.title, g.get_absolute_url())
            for g in Goal.objects.filter(priority_area__plan__is_current=True).only("slug", "title")
        ]
    else:
        candidates = [
            (a.slug, a.title, a.get_absolute_url())
            for a in PriorityArea.objects.filter(plan__is_current=True).only("slug", "title")
        ]
    wanted = slug.lower().replace("_", "-")[:200]
    keys: dict[str, tuple[str, str]] = {}
    for item_slug, title, url in candidates:
        keys.setdefault(item_slug, (title, url))
        keys.setdefault(title.lower().replace(" ", "-"), (title, url))
    found: list[Suggestion] = []
    for key in difflib.get_close_matches(wanted, list(keys), n=limit * 2, cutoff=0.5):
        suggestion = Suggestion(*keys[key])
        if suggestion not in found:
            found.append(suggestion)
    # A word of the slug inside a title is a match too ("pothole" → "Potholes filled").
    words = [w for w in wanted.split("-") if len(w) >= 4]
    for item_slug, title, url in candidates:
        if len(found) >= limit:
            break
        if any(w in item_slug for w in words) and Suggestion(title, url) not in found:
            found.append(Suggestion(title, url))
    return found[:limit]


# ---------------------------------------------------------------- values and statuses


def status_label(status: Status) -> str:
    return _(str(status.label))


def status_rule(measure: Measure, judged: MeasureStatus) -> str:
    """Return, in plain words, the rule that gave the measure its status."""
    unit = measure.unit
    value, target = judged.value, judged.target
    if judged.status == Status.NO_RECENT_DATA:
        if value is None or value.value is None:
            return _("There is no value yet, so the measure cannot be judged.")
        return _(
            "The latest value is for %(period)s, and the dataset it comes from is overdue "
            "for its scheduled update, so the measure cannot be judged now."
        ) % {"period": period_name(value.period)}
    assert value is not None and value.value is not None
    latest = _("The latest value, %(value)s for %(period)s,") % {
        "value": display.value_text(value.value, unit),
        "period": period_name(value.period),
    }
    if target is None:
        return _("%(latest)s has no target to be judged against yet.") % {
            "latest": latest
        } + historic_note(judged)
    goal = display.value_text(target.value, unit)
    fy = target.fiscal_year
    direction = measure.direction
    if target.style == Target.Style.BANDS and target.off_track_at is not None:
        if direction == Measure.Direction.LOWER_IS_BETTER:
            rule = _(
                "The FY%(fy)s target is %(goal)s or less. At or below it the measure is on "
                "track; above %(limit)s it is off track; in between it needs attention."
            )
        else:
            rule = _(
                "The FY%(fy)s target is %(goal)s or more. At or above it the measure is on "
                "track; below %(limit)s it is off track; in between it needs attention."
            )
        rule = rule % {
            "fy": fy,
            "goal": goal,
            "limit": display.value_text(target.off_track_at, unit),
        }
    else:
        if direction == Measure.Direction.HIGHER_IS_BETTER:
            rule = _("The FY%(fy)s target is %(goal)s or more (higher is better).")
        elif direction == Measure.Direction.LOWER_IS_BETTER:
            rule = _("The FY%(fy)s target is %(goal)s or less (lower is better).")
        else:
            rule = _("The FY%(fy)s target is to stay close to %(goal)s.")
        rule = rule % {"fy": fy, "goal": goal}
        tolerance = display.difference(target.tolerance, unit)
        # The same named threshold judge() uses (#22), read at call time.
        double = display.difference(status.ATTENTION_TOLERANCES * target.tolerance, unit)
        if target.tolerance:
            rule += " " + _(
                "Up to %(tolerance)s off the target counts as on track, up to %(double)s "
                "needs attention, and more than that is off track."
            ) % {"tolerance": tolerance, "double": double}
        else:
            rule += " " + _("Meeting the target is on track; any shortfall is off track.")
    verdict = _("%(latest)s is therefore “%(status)s”.") % {
        "latest": latest,
        "status": status_label(judged.status),
    }
    return f"{rule} {verdict}{historic_note(judged)}"


def historic_note(judged: MeasureStatus) -> str:
    """Return the sentence that says a status is judged on a past period, or ""."""
    if not judged.historic:
        return ""
    return " " + _("The status is %(as_of)s: the latest complete period the data covers.") % {
        "as_of": judged.as_of
    }


def fiscal_calendar() -> FiscalCalendar:
    """Return the city's fiscal calendar; callers judging many measures read it once."""
    return CityProfile.current().fiscal_calendar


@dataclass
class MeasureCard:
    measure: Measure
    status: Status
    status_css: str
    latest: MeasureValue | None
    latest_text: str
    target_text: str
    as_of: str = ""  # "as of March 2018" when judged on a past period


def measure_card(
    measure: Measure, today: dt.date | None = None, calendar: FiscalCalendar | None = None
) -> MeasureCard:
    judged = status_for(measure, calendar=calendar or fiscal_calendar(), today=today)
    return MeasureCard(
        measure=measure,
        status=judged.status,
        status_css=STATUS_CSS[judged.status],
        latest=judged.value,
        latest_text=(
            display.value_text(judged.value.value, measure.unit)
            if judged.value and judged.value.value is not None
            else _("No data yet")
        ),
        target_text=display.value_text(judged.target.value, measure.unit) if judged.target else "",
        as_of=judged.as_of,
    )


@dataclass
class StatusCount:
    status: Status
    label: str
    css: str
    count: int


def status_counts(statuses: list[Status]) -> list[StatusCount]:
    """Count statuses in the site's order; "target pending" is counted as no recent data
    on summaries, since neither can be judged."""
    counted: Counter[str] = Counter(
        str(Status.NO_RECENT_DATA if s == Status.NO_TARGET else s) for s in statuses
    )
    return [
        StatusCount(s, status_label(s), STATUS_CSS[s], counted.get(str(s), 0))
        for s in STATUS_ORDER[:4]
    ]


@dataclass
class GoalSummary:
    goal: Goal
    status: Status
    status_css: str
    cards: list[MeasureCard] = field(default_factory=list)
    counts: list[StatusCount] = field(default_factory=list)


def goal_summary(goal: Goal, today: dt.date | None = None) -> GoalSummary:
    measures = public_measures().filter(objective__goal=goal).prefetch_related("targets")
    calendar = fiscal_calendar()
    cards = [
        measure_card(m, today, calendar)
        for m in measures.order_by("objective__position", "position")
    ]
    rolled = roll_up([card.status for card in cards])
    return GoalSummary(
        goal=goal,
        status=rolled.status,
        status_css=STATUS_CSS[rolled.status],
        cards=cards,
        counts=status_counts([card.status for card in cards]),
    )


@dataclass
class AreaSummary:
    area: PriorityArea
    status: Status
    status_css: str
    goals: list[GoalSummary]
    counts: list[StatusCount]

    @property
    def measure_count(self) -> int:
        return sum(len(goal.cards) for goal in self.goals)


def area_summary(area: PriorityArea, today: dt.date | None = None) -> AreaSummary:
    goals = [goal_summary(goal, today) for goal in area.goals.order_by("position", "title")]
    rolled = roll_up([g.status for g in goals if g.cards])
    return AreaSummary(
        area=area,
        status=rolled.status,
        status_css=STATUS_CSS[rolled.status],
        goals=goals,
        counts=status_counts([g.status for g in goals]),
    )


def headline_measures(plan: Plan) -> QuerySet[Measure]:
    """Return the plan's headline measures in plan order (all of them, if none is marked)."""
    measures = public_measures().filter(objective__goal__priority_area__plan=plan)
    chosen = (
        measures.filter(is_headline=True)
        if measures.filter(is_headline=True).exists()
        else measures
    )
    return chosen.prefetch_related("targets").order_by(
        "objective__goal__priority_area__position",
        "objective__goal__position",
        "position",
    )


def headline_cards(
    plan: Plan, today: dt.date | None = None, limit: int | None = HEADLINE_LIMIT
) -> list[MeasureCard]:
    """Return the cards of the plan's first `limit` headline measures (None: all)."""
    calendar = fiscal_calendar()
    ordered = headline_measures(plan)
    chosen = ordered if limit is None else ordered[:limit]
    return [measure_card(m, today, calendar) for m in chosen]


# ---------------------------------------------------------------- a measure's details


def breakdown_fields(measure: Measure) -> list[str]:
    """Return the fields the measure's stored values are broken down by."""
    return sorted(
        MeasureValue.objects.filter(measure=measure)
        .exclude(breakdown="")
        .order_by("breakdown")  # not the model's ordering, which would defeat distinct()
        .values_list("breakdown", flat=True)
        .distinct()
    )


@dataclass
class RankedArea:
    rank: int
    name: str  # as stored, and as the boundary layer spells it
    label: str  # as residents read it
    value: float | None
    value_text: str
    url: str | None


def latest_breakdown(measure: Measure, field_name: str) -> tuple[str | None, list[RankedArea]]:
    """Return the latest complete period broken down by `field_name`, ranked best first."""
    rows = MeasureValue.objects.filter(measure=measure, breakdown=field_name)
    latest = (
        rows.filter(is_partial=False, value__isnull=False)
        .order_by("-period_start")
        .values_list("period", flat=True)
        .first()
    )
    if latest is None:
        return None, []
    values = list(rows.filter(period=latest).values_list("breakdown_value", "value"))
    lower_first = measure.direction == Measure.Direction.LOWER_IS_BETTER
    # Rows whose area was not recorded are listed last, never ranked among the areas.
    known = sorted(
        ((name, value) for name, value in values if value is not None and name != NOT_RECORDED),
        key=lambda pair: pair[1] if lower_first else -pair[1],
    )
    unknown: list[tuple[str, float | None]] = sorted(v for v in values if v[1] is None)
    unrecorded = [v for v in values if v[0] == NOT_RECORDED and v[1] is not None]
    ranked = []
    for index, (name, value) in enumerate([*known, *unknown, *unrecorded], start=1):
        ranked.append(
            RankedArea(
                rank=index if value is not None and name != NOT_RECORDED else 0,
                name=name,
                label=area_label(field_name, name),
                value=value,
                value_text=display.value_text(value, measure.unit),
                url=place_url(field_name, name),
            )
        )
    return latest, ranked


def area_label(field_name: str, name: str) -> str:
    """Return an area's name as residents read it: "District 3" for council district 3.

    A value that is an area's id (the data names areas by id) reads as the area's name.
    """
    kind = kind_of_layer(field_name.replace("_", "-"))
    if kind is None or name == NOT_RECORDED:
        return name
    place = place_for_value(kind, name)
    return place.label if place is not None else Place(kind, "", name).label


def place_url(field_name: str, name: str) -> str | None:
    """Return the page of the area a breakdown value names, if the site has one."""
    kind = kind_of_layer(field_name.replace("_", "-"))
    if kind is None or name == NOT_RECORDED:
        return None
    # Only a real area of the city's layer has a page: "(not recorded)", a stray geocode
    # or a name the boundaries do not know would lead to a page that does not exist.
    place = place_for_value(kind, name)
    if place is None:
        return None
    try:
        return area_url(kind, place.name)
    except Exception:  # noqa: BLE001 — NoReverseMatch before the place pages exist
        return None


@dataclass
class EquityRow:
    period: str
    period_start: dt.date
    best_name: str
    best_text: str
    worst_name: str
    worst_text: str
    gap: float
    gap_text: str


def equity_rows(measure: Measure, field_name: str) -> list[EquityRow]:
    """Return, for each period, the best and worst area and the gap between them."""
    by_period: dict[tuple[str, dt.date], list[tuple[str, float]]] = {}
    for period, start, name, value in (
        MeasureValue.objects.filter(
            measure=measure, breakdown=field_name, value__isnull=False, is_partial=False
        )
        .order_by("period_start", "breakdown_value")
        .values_list("period", "period_start", "breakdown_value", "value")
    ):
        if value is not None and name != NOT_RECORDED:
            by_period.setdefault((period, start), []).append((name, value))
    lower_first = measure.direction == Measure.Direction.LOWER_IS_BETTER
    rows = []
    for (period, start), values in by_period.items():
        if len(values) < 2:
            continue
        ordered = sorted(values, key=lambda p: p[1] if lower_first else -p[1])
        (best_name, best), (worst_name, worst) = ordered[0], ordered[-1]
        gap = abs(best - worst)
        rows.append(
            EquityRow(
                period=period,
                period_start=start,
                best_name=area_label(field_name, best_name),
                best_text=display.value_text(best, measure.unit),
                worst_name=area_label(field_name, worst_name),
                worst_text=display.value_text(worst, measure.unit),
                gap=gap,
                gap_text=display.difference(gap, measure.unit),
            )
        )
    return rows


def equity_chart(measure: Measure, rows: list[EquityRow]) -> dict[str, Any]:
    """Return a Vega-Lite line of the gap between the best and worst area over time."""
    spec = base_spec(
        _("%(measure)s: gap between the best and worst area over time.")
        % {"measure": localized(measure, "title").text}
    )
    spec["data"] = {
        "values": [
            {"period": r.period, "period_start": r.period_start.isoformat(), "gap": round(r.gap, 6)}
            for r in rows
        ]
    }
    spec["mark"] = {"type": "line", "color": "#a8324a", "point": {"filled": True, "size": 30}}
    spec["encoding"] = {
        "x": {"field": "period_start", "type": "temporal", "title": None},
        "y": {"field": "gap", "type": "quantitative", "title": _("Gap"), "scale": {"zero": True}},
        "tooltip": [
            {"field": "period", "title": _("Period")},
            {"field": "gap", "title": _("Gap"), "format": ".2f"},
        ],
    }
    return spec


def target_changes(measure: Measure) -> list[str]:
    """Return the target history as sentences, newest first (who changed it is not shown:
    staff names are not published)."""
    return [describe(change, measure.unit) for change in target_history(measure)][::-1]


def no_data_reason(measure: Measure) -> str:
    """Say why a measure has no values yet, in words residents understand."""
    note = (
        MeasureValue.objects.filter(measure=measure, breakdown="", value__isnull=True)
        .exclude(source_note="")
        .order_by("-period_start")
        .values_list("source_note", flat=True)
        .first()
    )
    if note:
        return note
    if measure.is_manual:
        return _("The department has not entered a value for this measure yet.")
    if measure.dataset is None:
        return _("The data source for this measure is not connected yet.")
    if not measure.dataset.versions.filter(status="published").exists():
        return _("The dataset this measure is computed from has not been loaded yet.")
    return _("The measure has not been computed from its dataset yet.")


def public_dataset(measure: Measure) -> Dataset | None:
    dataset = measure.dataset
    return dataset if dataset is not None and dataset.is_public else None


DOWNLOAD_COLUMNS = ["measure", *PUBLISHED_FIELDS]


def download_rows(measure: Measure) -> list[dict[str, Any]]:
    """Return every stored value of the measure (overall and broken down) for downloads."""
    values = MeasureValue.objects.filter(measure=measure).order_by(
        "breakdown", "period_start", "breakdown_value"
    )
    return [{"measure": measure.slug, **value_record(value)} for value in values]


def table_row(
    measure: Measure, row: dict[str, Any], today: dt.date | None = None
) -> dict[str, Any]:
    """Return a download row with its value as text and, for a partial period, how far in
    the period is ("partial — 1 of 3 months in"): a partial period is shown, never judged."""
    partial = ""
    if row["is_partial"]:
        partial = display.partial_text(
            dt.date.fromisoformat(row["period_start"]),
            dt.date.fromisoformat(row["period_end"]),
            measure.grain,
            today,
        )
    return {
        **row,
        "value_text": display.value_text(row["value"], measure.unit),
        "partial_text": partial,
    }


# ---------------------------------------------------------------- cached page parts


def cached_html(key: str, template: str, context_fn: Callable[[], dict[str, Any]]) -> str:
    """Render `template` with `context_fn()`, cached until the plan's revision changes
    (plan/revision.py: any change to what the plan's pages show, or a new day)."""
    html = revision.cached_by_revision(key, lambda: render_to_string(template, context_fn()))
    return mark_safe(html)  # noqa: S308 — rendered by an autoescaping template


def home_fragment(plan: Plan) -> str:
    """Return the home page's plan part: areas with status counts, headline measures."""

    def context() -> dict[str, Any]:
        areas = plan.priority_areas.order_by("position", "title")
        return {
            "summaries": [area_summary(area) for area in areas],
            "headlines": headline_cards(plan),
            "headline_count": headline_measures(plan).count(),
        }

    return cached_html(f"home:{plan.pk}", "public/_home_plan.html", context)
