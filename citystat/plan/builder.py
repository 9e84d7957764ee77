"""The measure builder: a spec made from pickers, checked and previewed on the warehouse.

The spec is checked by compute.spec.check_spec (the plan import's own checker, so the
messages are the plan file's) and computed by compute.engine.compute_spec through the
configured engine's session, exactly as `citystat compute --measure` does, but nothing
is stored. docs/plan.md, "The measure builder".
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ibis
from django.core.cache import cache

from citystat.catalog import engines
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.visibility import field_is_public
from citystat.plan.compute.compiled import key_of
from citystat.plan.compute.engine import (
    ComputedValue,
    ComputeError,
    Context,
    compute_spec,
    data_span,
    row_counts,
)
from citystat.plan.compute.run import city_context, dataset_schemas, measure_specs
from citystat.plan.compute.spec import MeasureSpec, SpecError, check_spec, withheld_problems

# The spec keys the builder has a picker for; any other key of an existing spec (a
# ratio's numerator and denominator, a survey's weight) is kept as the plan file says.
PICKED_KEYS = (
    "dataset",
    "date",
    "filter",
    "aggregate",
    "field",
    "percentile",
    "condition",
    "closed",
    "grain",
    "cumulative",
    "breakdowns",
)
T = TypeVar("T")
# How many distinct values of a text field the filter picker offers.
DISTINCT_CAP = 200
DISTINCT_SECONDS = 3600
FILTER_OPERATORS = ("=", "!=")
TEXT_TYPES = {"string"}
# "spec.filter", "breakdowns[1]", "numerator.filter" → the picker that caused it.
PICKER_OF_PATH = re.compile(r"^(?:spec\.)?([a-z_]+)")


@dataclass
class Preview:
    """What the builder shows beside the pickers: problems by picker, or the values."""

    spec: dict[str, Any]
    problems: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    values: list[ComputedValue] = field(default_factory=list)
    matched: int | None = None  # rows the filter keeps
    total: int | None = None  # rows in the dataset's published version
    seconds: float = 0.0

    @property
    def is_valid(self) -> bool:
        return bool(self.spec) and not self.problems and not self.general

    @property
    def overall(self) -> list[ComputedValue]:
        return [value for value in self.values if not value.breakdown]


def spec_from_picks(picks: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the spec the pickers describe, over `base`'s keys the builder cannot pick.

    Empty pickers leave their key out, as the plan file would; no dataset means a
    measure whose values staff type in (an empty spec), unless `base` is a ratio of
    other measures, which has no dataset and no picker and is kept as it is.
    """
    if not picks.get("dataset"):
        # A ratio of two other measures reads no dataset of its own: it is kept whole.
        return dict(base) if base and "dataset" not in base else {}
    spec = {key: value for key, value in (base or {}).items() if key not in PICKED_KEYS}
    for key in PICKED_KEYS:
        value: Any = picks.get(key)
        if isinstance(value, str):
            value = value.strip()
        if key == "percentile" and value not in (None, ""):
            # Text that is not a number goes on to the spec checker, which says what a
            # percentile must be.
            with contextlib.suppress(TypeError, ValueError):
                value = float(value)
        if value in (None, "", [], False):
            continue
        spec[key] = list(value) if key == "breakdowns" else value
    return dict(sorted(spec.items(), key=lambda item: spec_key_order(item[0])))


def spec_key_order(key: str) -> int:
    return PICKED_KEYS.index(key) if key in PICKED_KEYS else len(PICKED_KEYS)


def quoted(value: str) -> str:
    """Return `value` as a filter's text literal ('Pothole', 'O''Brien')."""
    return "'" + value.replace("'", "''") + "'"


def add_condition(expression: str, name: str, operator: str, value: str) -> str:
    """Return the filter `expression` with `name operator 'value'` added by AND."""
    if operator not in FILTER_OPERATORS:
        raise ValueError(f"{operator!r} is not one of {', '.join(FILTER_OPERATORS)}")
    condition = f"{name} {operator} {quoted(value)}"
    expression = expression.strip()
    return f"{expression} AND {condition}" if expression else condition


def schema_fields(dataset: Dataset | None) -> list[dict[str, Any]]:
    return list((dataset.table_schema or {}).get("fields", [])) if dataset else []


def distinct_values(dataset: Dataset, name: str, cap: int = DISTINCT_CAP) -> list[str]:
    """Return up to `cap` distinct values of the text field `name`, most frequent first.

    Only a public text field's values are offered: a withheld one (a name, an address)
    is not listed on a page, even a staff one; its filter is typed by hand.
    """
    fields = {spec["name"]: spec for spec in schema_fields(dataset)}
    spec = fields.get(name)
    if spec is None or spec.get("type", "string") not in TEXT_TYPES or not field_is_public(spec):
        return []
    version = dataset.latest_version
    if version is None:
        return []
    # A published version never changes, so its values are kept until the next one.
    key = f"plan-builder-values:{dataset.slug}:{version.number}:{name}:{cap}"
    cached = cache.get(key)
    if cached is None:
        cached = warehouse_values(dataset.slug, name, cap)
        cache.set(key, cached, DISTINCT_SECONDS)
    return list(cached)


def warehouse_values(slug: str, name: str, cap: int) -> list[str]:
    with engines.open_session() as session:
        if slug not in session.published:
            return []
        table = session.table(slug)
        column = table[name]
        counted = (
            table.filter(column.notnull())
            .group_by(column)
            .aggregate(rows=ibis._.count())
            .order_by([ibis.desc("rows"), column])
            .limit(cap)
        )
        rows = session.backend.to_pyarrow(counted).to_pylist()
    return [str(row[name]) for row in rows]


def locate_problems(error: SpecError) -> tuple[dict[str, list[str]], list[str]]:
    """Return the spec checker's problems by picker, and those that belong to none."""
    by_picker: dict[str, list[str]] = {}
    general: list[str] = []
    for path, message in error.located:
        match = PICKER_OF_PATH.match(path)
        picker = match.group(1) if match else ""
        if picker in PICKED_KEYS:
            by_picker.setdefault(picker, []).append(message)
        else:
            general.append(f"{path}: {message}" if path else message)
    return by_picker, general


def preview(spec: dict[str, Any], slug: str, is_public: bool = True) -> Preview:
    """Check `spec` as the plan import does, then compute its values without storing them."""
    started = time.perf_counter()
    result = Preview(spec=spec)
    if not spec:
        return result
    schemas = dataset_schemas()
    context = city_context(schemas, {**measure_specs(), slug: spec})
    try:
        checked = check_spec(spec, schemas, context.calendar, context.specs, slug)
    except SpecError as error:
        result.problems, result.general = locate_problems(error)
        return result
    if is_public:
        result.general += withheld_problems(slug, spec, schemas, context.specs)
        if result.general:
            return result
    try:
        with engines.open_session() as session:
            try:
                result.values = computed(session, checked, context, result)
            except session.engine.errors as error:
                result.general.append(str(error).splitlines()[0])
    except (ComputeError, engines.EngineError, ibis.common.exceptions.IbisError) as error:
        result.general.append(str(error).splitlines()[0])
    result.seconds = time.perf_counter() - started
    return result


def computed(
    session: engines.Session, checked: MeasureSpec, context: Context, result: Preview
) -> list[ComputedValue]:
    """Count the rows the filter keeps and compute the values, as `citystat compute` does.

    Both run as statements compiled once per spec and schema (compute/compiled.py): a
    preview redrawn at every pick compiles nothing it has compiled before.
    """
    context = dataclasses.replace(context, relation=session.relation)
    if not checked.dataset:
        return compute_spec(session.backend, "", checked, context)  # a ratio of measures
    backend = session.backend
    relation = session.relation(checked.dataset)
    # A published version never changes, so what a preview reads of the whole version (its
    # rows kept by the filter, its first and last date) is kept until the next one; the
    # key holds everything else the answer depends on (compute/compiled.py's key_of).
    number = session.published[checked.dataset]  # session.relation refused an unpublished one
    # The version's id as well as its number: a dataset deleted and made again under the
    # same slug numbers its versions from 1 again.
    version_id = (
        DatasetVersion.objects.filter(dataset__slug=checked.dataset, number=number)
        .values_list("pk", flat=True)
        .first()
    )
    version: dict[str, Any] = {"version": [number, version_id], "relation": relation}
    schema = context.schemas.get(checked.dataset)
    counts_key = key_of(
        {**version, "filter": checked.source.get("filter"), "schema": schema}, backend
    )
    counts = kept_answer(
        "plan-builder-rows:" + counts_key,
        lambda: row_counts(backend, relation, checked, context),
        bool(checked.source),
    )
    result.total, result.matched = counts
    span_inputs = {**version, "date": checked.date, "date_kind": checked.date_kind}
    span_inputs |= {"grain": checked.grain, "calendar": repr(context.calendar), "schema": schema}
    span = kept_answer(
        "plan-builder-span:" + key_of(span_inputs, backend),
        lambda: data_span(backend, relation, checked, context.calendar, schema),
        True,
    )
    return compute_spec(backend, relation, checked, context, span)


def kept_answer(key: str, answer: Callable[[], T], keep: bool) -> T:
    """Return what `answer` gives, kept in the cache under `key` for DISTINCT_SECONDS."""
    if not keep:
        return answer()
    found: T | None = cache.get(key)
    if found is None:
        found = answer()
        cache.set(key, found, DISTINCT_SECONDS)
    return found
