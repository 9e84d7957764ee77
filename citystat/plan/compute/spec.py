"""Measure specs: the declarative description of how a measure is computed from a dataset.

A spec is a mapping, stored on the measure and written in plan files:

    dataset: service-requests
    date: created_date
    filter: "type = 'Pothole'"
    aggregate: share
    condition: "days_between(created_date, closed_date) <= 7"
    grain: month

`check_spec` turns it into the frozen spec of its aggregate's kind (kinds.py: a
`ShareSpec` here), or raises `SpecError` listing every problem with its path inside the
spec (`filter: unknown field 'categry' — did you mean …`). docs/measures.md is the
reference.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ibis.common.deferred import Deferred

from citystat.catalog.status_groups import schema_groups
from citystat.catalog.visibility import field_is_public
from citystat.lib.errors import CitystatError
from citystat.lib.periods import GRAINS, FiscalCalendar, Grain

# Each `name as name` below is re-exported, for the callers that import it from here.
from citystat.plan.compute.aggregates import AGGREGATES as AGGREGATES
from citystat.plan.compute.aggregates import (
    REGISTRY,
    AggregateName,
    aggregate_of,
    names_where,
)
from citystat.plan.compute.filters import (
    FilterError,
    compile_filter,
    compile_value,
    did_you_mean,
    filter_fields,
)
from citystat.plan.compute.kinds import (
    BacklogSpec,
    CountSpec,
    DateKind,
    FieldSpec,
    PercentileSpec,
    RateSpec,
    RatioSpec,
    ShareSpec,
    SurveyShareSpec,
    parts_use_measures,
)
from citystat.plan.compute.kinds import MeasureSpec as MeasureSpec
from citystat.plan.compute.kinds import Part as Part
from citystat.plan.compute.kinds import uses_measures as uses_measures

# The aggregates' own rules (what field each takes, which add up over the year …) are
# in the registry, aggregates.py.
KEYS = {
    "dataset",
    "date",
    "filter",
    "aggregate",
    "field",
    "percentile",
    "condition",
    "closed",
    "numerator",
    "denominator",
    "scale",
    "grain",
    "cumulative",
    "breakdowns",
    "survey",
}
PART_KEYS = {"aggregate", "field", "filter"}
# A ratio whose parts are both other measures reads no dataset of its own.
MEASURE_RATIO_KEYS = {"aggregate", "numerator", "denominator", "scale", "grain", "breakdowns"}
SURVEY_KEYS = {"weight"}
NUMERIC_TYPES = {"integer", "number", "year"}
DATE_TYPES = {"date", "datetime"}


class SpecError(CitystatError):
    """A spec with problems; `problems` holds one `path: message` line each."""

    def __init__(self, located: list[tuple[str, str]]) -> None:
        self.located = located  # (path inside the spec, message)
        self.problems = [f"{where}: {message}" if where else message for where, message in located]
        super().__init__("; ".join(self.problems))


class WithheldColumnError(SpecError):
    """A public measure whose spec reads a column its dataset withholds (docs/security.md)."""


def schema_types(table_schema: dict[str, Any]) -> dict[str, str]:
    """Return {field name: Table Schema type} for a dataset's schema."""
    return {spec["name"]: spec.get("type", "string") for spec in table_schema.get("fields", [])}


def check_spec(
    raw: Any,
    schemas: dict[str, dict[str, Any]],
    calendar: FiscalCalendar | None = None,
    measures: dict[str, Any] | None = None,
    slug: str | None = None,
) -> MeasureSpec:
    """Return the checked spec, or raise SpecError naming every problem.

    `schemas` maps each known dataset slug to its Table Schema; `measures` maps each
    measure's slug to its raw spec (for ratios of measures), and `slug` names the measure
    whose spec this is (so a ratio that comes back to it is refused as a cycle).
    """
    checker = Checker(schemas, calendar or FiscalCalendar(), measures or {}, slug)
    spec = checker.check(raw)
    if checker.problems or spec is None:
        raise SpecError(checker.located)
    return spec


class Common(TypedDict):
    """The fields every kind of spec has (kinds.BaseSpec), as the checker finds them."""

    aggregate: AggregateName
    dataset: str
    date: str
    grain: Grain
    filter: Deferred | None
    scale: float
    cumulative: bool
    breakdowns: tuple[str, ...]
    date_kind: DateKind
    source: dict[str, Any]


class Checker:
    def __init__(
        self,
        schemas: dict[str, dict[str, Any]],
        calendar: FiscalCalendar,
        measures: dict[str, Any],
        slug: str | None,
    ) -> None:
        self.schemas = schemas
        self.calendar = calendar
        self.measures = measures
        self.slug = slug
        self.located: list[tuple[str, str]] = []
        self.fields: dict[str, str] = {}
        self.groups: dict[str, dict[str, list[str]]] = {}

    @property
    def problems(self) -> list[tuple[str, str]]:
        return self.located

    def problem(self, where: str, message: str) -> None:
        self.located.append((where, message))

    def check(self, raw: Any) -> MeasureSpec | None:
        if not isinstance(raw, dict):
            self.problem("", "a spec is a mapping with dataset, date, aggregate and grain.")
            return None
        for key in sorted(set(raw) - KEYS):
            self.problem(str(key), f"unknown key{did_you_mean(str(key), sorted(KEYS))}")
        if "dataset" not in raw and takes(raw.get("aggregate"), "takes_parts"):
            return self.measure_ratio(raw)
        dataset = raw.get("dataset")
        if not isinstance(dataset, str) or dataset not in self.schemas:
            known = sorted(self.schemas)
            hint = did_you_mean(str(dataset), known) if isinstance(dataset, str) else ""
            self.problem("dataset", f"{dataset!r} is not a dataset in the catalog{hint}")
            return None
        self.fields = schema_types(self.schemas[dataset])
        self.groups = schema_groups(self.schemas[dataset])
        aggregate = raw.get("aggregate")
        if aggregate not in REGISTRY:
            hint = did_you_mean(str(aggregate), list(AGGREGATES))
            self.problem("aggregate", f"{aggregate!r} is not one of {', '.join(AGGREGATES)}{hint}")
            return None
        entry = aggregate_of(aggregate)
        grain = raw.get("grain")
        if grain not in GRAINS:
            self.problem("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
            return None
        year_field = self.fields.get(str(raw.get("date"))) in NUMERIC_TYPES
        if year_field and grain in ("fiscal_year", "year"):
            # A table kept by year (a budget) names its year in a number field.
            date = self.field_name(raw, "date", NUMERIC_TYPES, "a year")
        else:
            date = self.field_name(raw, "date", DATE_TYPES, "a date")
        # Every value is checked, in this order, whatever the kind: each problem is named.
        filter_ = self.filter_of(raw.get("filter"), "filter")
        field = self.field_of(raw, aggregate)
        field_expression = self.field_expression_of(raw, aggregate)
        percentile = self.percentile_of(raw, aggregate)
        condition = self.condition_of(raw, aggregate)
        closed = (
            self.field_name(raw, "closed", DATE_TYPES, "a date") if entry.takes_closed else None
        )
        numerator = self.part(raw, "numerator") if entry.takes_parts else None
        denominator = self.part(raw, "denominator") if entry.takes_parts else None
        scale = self.scale_of(raw, aggregate)
        cumulative = self.cumulative_of(raw, aggregate, grain)
        breakdowns = self.breakdowns_of(raw.get("breakdowns"))
        survey, weight = self.survey_of(raw.get("survey"), aggregate)
        if cumulative and parts_use_measures(numerator, denominator):
            self.problem("cumulative", "a ratio of measures is not added up over the year.")
        if year_field and entry.needs_dates or (year_field and cumulative):
            self.problem("date", "a year field cannot place rows within a year; use a date.")
        if not entry.takes_closed and "closed" in raw:
            self.problem(
                "closed", f"only a {only('takes_closed')} spec names the field that closes an item."
            )
        if not entry.takes_condition and "condition" in raw:
            self.problem("condition", f"only a {only('takes_condition')} spec has a condition.")
        if self.located or date is None:
            return None
        common = Common(
            aggregate=aggregate,
            dataset=dataset,
            date=date,
            grain=grain,
            filter=filter_,
            scale=scale,
            cumulative=cumulative,
            breakdowns=breakdowns,
            date_kind="year" if year_field and grain in ("fiscal_year", "year") else "date",
            source=dict(raw),
        )
        kind = entry.kind
        # With no problem named above, each value the kind requires was found.
        if issubclass(kind, PercentileSpec):
            assert field is not None and percentile is not None
            return PercentileSpec(
                **common, field=field, field_expression=field_expression, percentile=percentile
            )
        if issubclass(kind, FieldSpec):
            assert field is not None
            return FieldSpec(**common, field=field, field_expression=field_expression)
        if issubclass(kind, RateSpec):
            return RateSpec(**common, field=field, field_expression=field_expression)
        if issubclass(kind, ShareSpec):
            assert condition is not None
            if survey:
                return SurveyShareSpec(**common, condition=condition, weight=weight)
            return ShareSpec(**common, condition=condition)
        if issubclass(kind, BacklogSpec):
            assert closed is not None
            return BacklogSpec(**common, closed=closed)
        if issubclass(kind, RatioSpec):
            assert numerator is not None and denominator is not None
            return RatioSpec(**common, numerator=numerator, denominator=denominator)
        if issubclass(kind, CountSpec):
            return CountSpec(**common)
        raise TypeError(f"aggregate {aggregate!r} names {kind.__name__}, not a kind of kinds.py")

    def field_name(self, raw: dict[str, Any], key: str, types: set[str], what: str) -> str | None:
        name = raw.get(key)
        if not isinstance(name, str) or not name:
            self.problem(key, f"name the field, {what} field of the dataset.")
            return None
        if name not in self.fields:
            self.problem(key, f"unknown field {name!r}{did_you_mean(name, sorted(self.fields))}")
            return None
        if self.fields[name] not in types:
            self.problem(key, f"field {name!r} is {self.fields[name]}, not {what} field.")
            return None
        return name

    def filter_of(self, text: Any, where: str) -> Deferred | None:
        if text is None or text == "":
            return None
        if not isinstance(text, str):
            self.problem(where, "write the filter as text, such as \"type = 'Pothole'\".")
            return None
        try:
            return compile_filter(text, self.fields, self.groups)
        except FilterError as error:
            self.problem(where, str(error))
            return None

    def field_of(self, raw: dict[str, Any], aggregate: AggregateName) -> str | None:
        rule = aggregate_of(aggregate).field
        if self.is_duration_field(raw) and rule in ("number", "optional number"):
            return str(raw["field"])  # a duration; field_expression_of checks it
        if rule in ("number", "any"):
            types = NUMERIC_TYPES if rule == "number" else set(self.fields.values())
            return self.field_name(raw, "field", types, "a number" if types else "a")
        if rule == "optional number" and "field" in raw:
            return self.field_name(raw, "field", NUMERIC_TYPES, "a number")
        if "field" in raw:
            self.problem("field", f"a {aggregate} spec takes no field.")
        return None

    def field_expression_of(self, raw: dict[str, Any], aggregate: AggregateName) -> Deferred | None:
        """Return the duration a numeric spec's `field` computes, or None for a column."""
        text = raw.get("field")
        numeric = aggregate_of(aggregate).field in ("number", "optional number")
        if not self.is_duration_field(raw) or not numeric:
            return None
        try:
            return compile_value(str(text), self.fields)
        except FilterError as error:
            self.problem("field", str(error))
            return None

    def is_duration_field(self, raw: dict[str, Any]) -> bool:
        """Say whether `field` is a computed value; a column named `cost (usd)` is a name."""
        return is_expression(raw.get("field")) and raw["field"] not in self.fields

    def percentile_of(self, raw: dict[str, Any], aggregate: AggregateName) -> float | None:
        value = raw.get("percentile")
        if not aggregate_of(aggregate).takes_percentile:
            if value is not None:
                self.problem(
                    "percentile", f"only a {only('takes_percentile')} spec takes a percentile."
                )
            return None
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < 100:
            self.problem("percentile", f"{value!r} should be a number between 0 and 100, like 90.")
            return None
        return float(value)

    def condition_of(self, raw: dict[str, Any], aggregate: AggregateName) -> Deferred | None:
        if not aggregate_of(aggregate).takes_condition:
            return None
        if not raw.get("condition"):
            self.problem("condition", f"a {aggregate} spec needs the condition rows must meet.")
            return None
        return self.filter_of(raw["condition"], "condition")

    def part(self, raw: dict[str, Any], key: str) -> Part | None:
        value = raw.get(key)
        if not isinstance(value, dict):
            self.problem(
                key, "a ratio needs {aggregate: count|sum, field: …, filter: …} or {measure: …}."
            )
            return None
        if "measure" in value:
            return self.measure_part(value, key, raw)
        for extra in sorted(set(value) - PART_KEYS):
            self.problem(f"{key}.{extra}", f"unknown key{did_you_mean(extra, sorted(PART_KEYS))}")
        if value.get("aggregate") not in ("count", "sum"):
            self.problem(f"{key}.aggregate", f"{value.get('aggregate')!r} should be count or sum.")
            return None
        name = None
        if value["aggregate"] == "sum":
            name = self.field_name(value, "field", NUMERIC_TYPES, "a number")
            if name is None:
                where, message = self.located[-1]
                self.located[-1] = (f"{key}.{where}", message)
        return Part(value["aggregate"], name, self.filter_of(value.get("filter"), f"{key}.filter"))

    def scale_of(self, raw: dict[str, Any], aggregate: AggregateName) -> float:
        default = aggregate_of(aggregate).default_scale
        value = raw.get("scale", default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value == 0:
            self.problem("scale", f"{value!r} should be a number other than 0, such as 100.")
            return default
        return float(value)

    def cumulative_of(self, raw: dict[str, Any], aggregate: AggregateName, grain: str) -> bool:
        value = raw.get("cumulative", False)
        if not isinstance(value, bool):
            self.problem("cumulative", "write true or false.")
            return False
        if value and not aggregate_of(aggregate).cumulative_ok:
            self.problem(
                "cumulative",
                f"a {aggregate} cannot be added up over the fiscal year; cumulative works "
                f"with {', '.join(sorted(names_where('cumulative_ok')))}.",
            )
        if value and grain in ("fiscal_year", "year"):
            self.problem("cumulative", "a yearly value is already the whole year's.")
        if value and grain == "quarter" and not self.calendar.starts_on_a_quarter:
            self.problem(
                "cumulative",
                "calendar quarters straddle this city's fiscal years; use grain: month.",
            )
        return bool(value)

    def breakdowns_of(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem("breakdowns", "a list of field names, such as [council_district].")
            return ()
        for index, name in enumerate(value):
            if name not in self.fields:
                hint = did_you_mean(name, sorted(self.fields))
                self.problem(f"breakdowns[{index}]", f"unknown field {name!r}{hint}")
        return tuple(name for name in value if name in self.fields)

    def survey_of(self, value: Any, aggregate: AggregateName) -> tuple[bool, str | None]:
        """Return whether the spec is a survey share, and its weight field if it has one."""
        if value is None or value is False:
            return False, None
        if not aggregate_of(aggregate).takes_survey:
            self.problem(
                "survey", f"only a {only('takes_survey')} of respondents is a survey measure."
            )
            return False, None
        if value is True:
            return True, None
        if not isinstance(value, dict):
            self.problem("survey", "write true, or {weight: <the survey's weight field>}.")
            return False, None
        for extra in sorted(set(value) - SURVEY_KEYS):
            self.problem(
                f"survey.{extra}", f"unknown key{did_you_mean(extra, sorted(SURVEY_KEYS))}"
            )
        weight = None
        if "weight" in value:
            weight = self.field_name(value, "weight", NUMERIC_TYPES, "a number")
            if weight is None:
                where, message = self.located[-1]
                self.located[-1] = (f"survey.{where}", message)
        return True, weight

    def measure_ratio(self, raw: dict[str, Any]) -> MeasureSpec | None:
        """Check a ratio of two other measures (each from its own dataset)."""
        for key in sorted(set(raw) & KEYS - MEASURE_RATIO_KEYS):
            self.problem(
                key,
                "a ratio of two measures reads no dataset itself; its measures do. "
                "Name a dataset to use this key.",
            )
        grain = raw.get("grain")
        if grain not in GRAINS:
            self.problem("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
            return None
        breakdowns = raw.get("breakdowns") or []
        if not isinstance(breakdowns, list) or not all(isinstance(b, str) for b in breakdowns):
            self.problem("breakdowns", "a list of field names, such as [council_district].")
            breakdowns = []
        self.fields = {}
        parts = {}
        for key in ("numerator", "denominator"):
            value = raw.get(key)
            if not (isinstance(value, dict) and "measure" in value):
                self.problem(
                    key, "without a dataset, both parts name a measure: {measure: <slug>}."
                )
                continue
            parts[key] = self.measure_part(value, key, raw)
        scale = self.scale_of(raw, "ratio")
        numerator, denominator = parts.get("numerator"), parts.get("denominator")
        if self.located or numerator is None or denominator is None:
            return None
        return RatioSpec(
            dataset="",
            date="",
            aggregate="ratio",
            grain=grain,
            numerator=numerator,
            denominator=denominator,
            scale=scale,
            breakdowns=tuple(breakdowns),
            source=dict(raw),
        )

    def measure_part(self, value: dict[str, Any], key: str, raw: dict[str, Any]) -> Part | None:
        """Check a part that takes another measure's values, refusing cycles."""
        for extra in sorted(set(value) - {"measure"}):
            self.problem(f"{key}.{extra}", "a part that names a measure takes nothing else.")
        slug = value.get("measure")
        where = f"{key}.measure"
        if not isinstance(slug, str) or slug not in self.measures:
            hint = did_you_mean(str(slug), sorted(self.measures))
            self.problem(where, f"{slug!r} is not a measure of the plan{hint}")
            return None
        if not self.measures[slug]:
            self.problem(
                where,
                f"{slug!r} has values typed in by staff; a ratio needs two computed measures.",
            )
            return None
        cycle = find_cycle(slug, self.measures, self.slug)
        if cycle:
            self.problem(
                where,
                "the measures refer to each other in a circle: "
                + " → ".join(repr(name) for name in cycle),
            )
            return None
        try:
            check_spec(
                regrained(self.measures[slug], raw.get("grain"), raw.get("breakdowns")),
                self.schemas,
                self.calendar,
                self.measures,
                slug,
            )
        except SpecError as error:
            self.problem(
                where,
                f"{slug!r} cannot be taken by {raw.get('grain')}"
                f"{' and ' + ', '.join(raw['breakdowns']) if raw.get('breakdowns') else ''}: "
                f"{error.problems[0]}",
            )
            return None
        return Part("measure", measure=slug)


def takes(aggregate: Any, flag: str) -> bool:
    """Say whether `aggregate` (as written, perhaps not a name at all) has `flag` set."""
    entry = REGISTRY.get(aggregate) if isinstance(aggregate, str) else None  # type: ignore[call-overload]
    return bool(entry and getattr(entry, flag))


def only(flag: str) -> str:
    """Name the aggregates with `flag` for a message ("only a share spec has …")."""
    return " or ".join(names_where(flag))


def is_expression(field: Any) -> bool:
    """Say whether a spec's `field` is a computed value (a duration) rather than a name."""
    return isinstance(field, str) and "(" in field


def regrained(raw: dict[str, Any], grain: Any, breakdowns: Any) -> dict[str, Any]:
    """Return another measure's spec as a ratio takes it: at the ratio's grain and breakdowns."""
    spec = {**raw, "grain": grain, "breakdowns": list(breakdowns or [])}
    if grain in ("fiscal_year", "year"):
        spec.pop("cumulative", None)  # a whole year's value is already the sum of its months
    return spec


def referenced_measures(raw: Any) -> list[str]:
    """Return the slugs of the measures a spec's ratio parts take their values from."""
    if not isinstance(raw, dict):
        return []
    parts = (raw.get("numerator"), raw.get("denominator"))
    return [
        part["measure"]
        for part in parts
        if isinstance(part, dict) and isinstance(part.get("measure"), str)
    ]


def datasets_read(
    raw: Any, measures: dict[str, Any], seen: frozenset[str] = frozenset()
) -> set[str]:
    """Return the datasets a spec reads: its own and those of the measures it divides."""
    if not isinstance(raw, dict):
        return set()
    read = {raw["dataset"]} if isinstance(raw.get("dataset"), str) else set()
    for slug in referenced_measures(raw):
        if slug not in seen:  # a cycle is refused elsewhere; here it only must not loop
            read |= datasets_read(measures.get(slug), measures, seen | {slug})
    return read


def find_cycle(start: str, measures: dict[str, Any], owner: str | None) -> list[str] | None:
    """Return the path of a circle of references reached from `start`, or None.

    `owner` is the measure being checked, whose own spec may not yet be in `measures`.
    """
    path: list[str] = [owner] if owner else []

    def visit(slug: str) -> list[str] | None:
        if slug in path:
            return [*path[path.index(slug) :], slug]
        path.append(slug)
        for nxt in referenced_measures(measures.get(slug)):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        return None

    return visit(start)


def columns_read(
    raw: Any, measures: dict[str, Any], seen: frozenset[str] = frozenset()
) -> set[tuple[str, str]]:
    """Return (dataset, field) for every field a spec reads, its ratio's measures' included.

    Read leniently, like datasets_read: a malformed spec is refused by check_spec; here
    every field it names counts, whatever role it plays (date, filter, breakdown …).
    """
    if not isinstance(raw, dict):
        return set()
    names: list[str] = []
    for key in ("date", "field", "closed"):
        if isinstance(raw.get(key), str):
            names.append(raw[key])
        if is_expression(raw.get(key)):
            # Both fields of a duration; the text itself stays in too, for a column whose
            # name holds a parenthesis (the rule errs on the side of withholding).
            names.extend(filter_fields(raw[key]))
    for key in ("filter", "condition"):
        if isinstance(raw.get(key), str):
            names.extend(filter_fields(raw[key]))
    if isinstance(raw.get("breakdowns"), list):
        names.extend(name for name in raw["breakdowns"] if isinstance(name, str))
    for key in ("numerator", "denominator"):
        part = raw.get(key)
        if isinstance(part, dict) and "measure" not in part:
            if isinstance(part.get("field"), str):
                names.append(part["field"])
            if isinstance(part.get("filter"), str):
                names.extend(filter_fields(part["filter"]))
    survey = raw.get("survey")
    if isinstance(survey, dict) and isinstance(survey.get("weight"), str):
        names.append(survey["weight"])
    dataset = raw.get("dataset")
    read = {(dataset, name) for name in names} if isinstance(dataset, str) else set()
    for slug in referenced_measures(raw):
        if slug not in seen and isinstance(measures.get(slug), dict):
            # A ratio of measures takes each part at the ratio's own breakdowns.
            part_spec = regrained(measures[slug], raw.get("grain"), raw.get("breakdowns"))
            read |= columns_read(part_spec, measures, seen | {slug})
    return read


def withheld_columns(
    raw: Any, schemas: dict[str, dict[str, Any]], measures: dict[str, Any]
) -> list[tuple[str, str]]:
    """Return (dataset, field) for each field the spec reads that its dataset withholds."""
    withheld = {
        (dataset, str(field["name"]))
        for dataset, schema in schemas.items()
        for field in schema.get("fields", [])
        if not field_is_public(field)
    }
    return sorted(columns_read(raw, measures) & withheld)


def withheld_problems(
    slug: str, raw: Any, schemas: dict[str, dict[str, Any]], measures: dict[str, Any]
) -> list[str]:
    """Return why a public measure with this spec would publish withheld columns (or [])."""
    return [
        f"measure {slug!r}: column {column!r} of dataset {dataset!r} is not public; "
        "make the measure internal or use a public column"
        for dataset, column in withheld_columns(raw, schemas, measures)
    ]


def refuse_withheld_columns(
    slug: str, raw: Any, schemas: dict[str, dict[str, Any]], measures: dict[str, Any]
) -> None:
    """Raise WithheldColumnError if a public measure's spec reads a withheld column.

    A filter, condition or breakdown on a withheld column publishes what it holds (a
    breakdown by street address lists addresses; a filter on one counts one household's
    requests), so only an internal measure may read one.
    """
    problems = withheld_problems(slug, raw, schemas, measures)
    if problems:
        raise WithheldColumnError([("", problem) for problem in problems])
