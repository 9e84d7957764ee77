"""`citystat compute`: recompute measures from the warehouse and store their values."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis
from django.db import connections, router, transaction
from django.utils import timezone

from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.lib.periods import Period
from citystat.plan import revision
from citystat.plan.compute.engine import (
    ComputedValue,
    ComputeError,
    Context,
    compute_spec,
    data_span,
    no_relation,
)
from citystat.plan.compute.spec import (
    MeasureSpec,
    SpecError,
    WithheldColumnError,
    check_spec,
    datasets_read,
    refuse_withheld_columns,
)
from citystat.plan.models import Measure, MeasureValue


@dataclass
class ComputeReport:
    computed: dict[str, int] = field(default_factory=dict)  # slug → values stored
    failed: dict[str, str] = field(default_factory=dict)  # slug → why
    # slug → why its values say nothing (a filter matching no rows): shown, not fatal.
    warnings: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def city_context(
    schemas: dict[str, dict[str, Any]] | None = None,
    specs: dict[str, Any] | None = None,
    relation: Callable[[str], str] | None = None,
) -> Context:
    """Return the city's calendar and population, with what else this computation reads."""
    profile = CityProfile.current()
    return Context(
        calendar=profile.fiscal_calendar,
        population=profile.population,
        specs=specs or {},
        schemas=schemas or {},
        relation=relation or no_relation,
    )


def dataset_schemas() -> dict[str, dict[str, Any]]:
    return {slug: schema for slug, schema in Dataset.objects.values_list("slug", "table_schema")}


def measure_specs() -> dict[str, Any]:
    """Return {slug: spec} of every measure (empty for a measure whose values are typed in)."""
    return dict(Measure.objects.values_list("slug", "spec"))


def checked_spec(measure: Measure, context: Context | None = None) -> MeasureSpec:
    """Return the measure's checked spec or raise SpecError."""
    calendar = (context or city_context()).calendar
    return check_spec(measure.spec, dataset_schemas(), calendar, measure_specs(), measure.slug)


def compute_measures(
    measures: Iterable[Measure] | None = None,
    since: Period | None = None,
    progress: Callable[[str], None] | None = None,
) -> ComputeReport:
    """Recompute `measures` (default: every measure with a spec) and store their values.

    A measure that fails is reported and keeps its old values; the others go on. A public
    measure whose spec reads a withheld column is refused too, and loses its computed
    values: they were made from that column, so keeping them would go on publishing it.
    """
    # A run makes tens of thousands of short-lived rows and values; the cyclic collector,
    # walking the whole Django and Ibis heap each time they pile up, cost a tenth of a
    # recompute's CPU (benchmarks/compute.py). Nothing here leaves cycles behind for long:
    # the collector runs again when the run is over.
    with collection_paused():
        return compute_and_store(measures, since, progress)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (reference counting goes on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_and_store(
    measures: Iterable[Measure] | None = None,
    since: Period | None = None,
    progress: Callable[[str], None] | None = None,
) -> ComputeReport:
    started = time.perf_counter()
    report = ComputeReport()
    schemas = dataset_schemas()
    specs = measure_specs()
    chosen = list(measures if measures is not None else Measure.objects.exclude(spec={}))
    spans: dict[tuple[str, str, str], Any] = {}
    computed: list[tuple[Measure, list[ComputedValue], Any]] = []
    withdrawn: list[Measure] = []
    with engines.open_session() as session:
        backend = session.backend
        read = {slug for m in chosen for slug in datasets_read(m.spec, specs)}
        versions = {
            dataset.slug: dataset.latest_version
            for dataset in Dataset.objects.filter(slug__in=read)
        }

        def relation(slug: str) -> str:
            if versions.get(slug) is None:
                raise ComputeError(f"dataset {slug!r} has no published version yet.")
            return session.relation(slug)

        context = city_context(schemas, specs, relation)
        for measure in chosen:
            if measure.is_manual:
                continue
            try:
                spec = check_spec(
                    measure.spec, schemas, context.calendar, context.specs, measure.slug
                )
                if measure.is_public:
                    refuse_withheld_columns(measure.slug, measure.spec, schemas, context.specs)
                for slug in datasets_read(measure.spec, context.specs):
                    relation(slug)  # every dataset it reads is published
                version = versions.get(spec.dataset)
                if not spec.dataset:
                    values = compute_spec(backend, "", spec, context)
                else:
                    table = relation(spec.dataset)
                    key = (spec.dataset, spec.date, spec.grain)
                    if key not in spans:
                        spans[key] = data_span(
                            backend, table, spec, context.calendar, schemas.get(spec.dataset)
                        )
                    values = compute_spec(backend, table, spec, context, spans[key])
            except (
                SpecError,
                ComputeError,
                ibis.common.exceptions.IbisError,
                engines.EngineError,
                *session.engine.errors,
            ) as e:
                report.failed[measure.slug] = str(e).splitlines()[0]
                if isinstance(e, WithheldColumnError):
                    withdrawn.append(measure)
                continue
            if not any(value.value for value in values if not value.breakdown):
                report.warnings[measure.slug] = (
                    "no rows match its filter, so every period has no data or 0; "
                    "check the values the filter compares with."
                )
            computed.append((measure, values, version))
            if progress:
                progress(measure.slug)
    # One transaction for every measure: a commit per measure costs more than its rows.
    with transaction.atomic():
        for measure, values, version in computed:
            report.computed[measure.slug] = store_values(measure, values, version, since)
            if measure.computed_spec_digest != measure.spec_digest:
                # update(), not save(): recording what was computed is not a plan change.
                Measure.objects.filter(pk=measure.pk).update(
                    computed_spec_digest=measure.spec_digest
                )
        MeasureValue.objects.filter(
            measure__in=withdrawn, origin=MeasureValue.Origin.COMPUTED
        ).delete()
        # Values are stored without signals: tell the pages built from them.
        revision.changed()
    report.seconds = time.perf_counter() - started
    return report


# The columns a computed value is stored in: the first four name it (the unique key is
# measure, period, breakdown and breakdown value); the others but the last, when it was
# computed, are compared to see whether a recompute changed it.
STORED_COLUMNS = (
    "measure_id",
    "period",
    "breakdown",
    "breakdown_value",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "is_partial",
    "origin",
    "dataset_version_id",
    "source_note",
    "ci_lower",
    "ci_upper",
    "ci_n",
    "computed_at",
)
KEY_COLUMNS = 4
COMPARED_COLUMNS = STORED_COLUMNS[KEY_COLUMNS:-1]
DELETED_AT_ONCE = 500


def store_values(
    measure: Measure, values: list[ComputedValue], version: Any, since: Period | None
) -> int:
    """Make the measure's stored values (from `since` on) be `values`; return how many.

    Computed values are derived data, so they skip the ORM's per-row work. A recompute
    mostly finds what it found last time (new data changes the last periods), so only
    what changed is written: values no longer computed are deleted, changed ones updated
    and new ones inserted, each with one prepared statement run for every row
    (bulk_create spent ten times longer building its statements than the database spent
    on them). An unchanged value keeps its row, id and `computed_at`: caches and digests
    keyed on them see no news. No signals fire, as with bulk_create; the audit log leaves
    computed values out anyway.
    """
    connection = connections[router.db_for_write(MeasureValue)]
    ops = connection.ops
    computed = MeasureValue.Origin.COMPUTED.value
    version_id = version.pk if version is not None else None
    # The stored rows are read with the driver's own conversions (dates and booleans come
    # back as Python's), without the ORM's per-row work; a value that compared unequal
    # through some type the driver changes would only be written again.
    wanted = {
        (value.period.label, value.breakdown, value.breakdown_value[:200]): (
            value.period.start,
            value.period.end,
            value.value,
            value.numerator,
            value.denominator,
            value.is_partial,
            computed,
            version_id,
            value.note[:300],
            value.ci_lower,
            value.ci_upper,
            value.ci_n,
        )
        for value in values
        if since is None or value.period.start >= since.start
    }
    table = ops.quote_name(MeasureValue._meta.db_table)
    read = ", ".join(ops.quote_name(c) for c in ("id", *STORED_COLUMNS[1:-1]))
    query = f"SELECT {read} FROM {table} WHERE {ops.quote_name('measure_id')} = %s"
    parameters: list[Any] = [measure.pk]
    if since is not None:
        query += f" AND {ops.quote_name('period_start')} >= %s"
        parameters.append(ops.adapt_datefield_value(since.start))
    with connection.cursor() as cursor:
        cursor.execute(query, parameters)
        stored = {tuple(row[1:KEY_COLUMNS]): row for row in cursor.fetchall()}
    gone = [row[0] for key, row in stored.items() if key not in wanted]
    changed, new = [], []
    for key, row in wanted.items():
        found = stored.get(key)
        if found is None:
            new.append((measure.pk, *key, *row))
        elif tuple(found[KEY_COLUMNS:]) != row:
            changed.append((*row, found[0]))
    write_values(gone, changed, new)
    return len(wanted)


def write_values(
    gone: list[int], changed: list[tuple[Any, ...]], new: list[tuple[Any, ...]]
) -> None:
    """Delete the rows `gone`, update the rows `changed` (each ends with its id), insert `new`."""
    connection = connections[router.db_for_write(MeasureValue)]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = ops.quote_name(MeasureValue._meta.db_table)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # In slices, as SQLite limits the parameters of one statement.
        for first in range(0, len(gone), DELETED_AT_ONCE):
            doomed = MeasureValue.objects.filter(pk__in=gone[first : first + DELETED_AT_ONCE])
            doomed._raw_delete(connection.alias)
        if changed:
            assignments = ", ".join(
                f"{ops.quote_name(column)} = %s" for column in (*COMPARED_COLUMNS, "computed_at")
            )
            update = f"UPDATE {table} SET {assignments} WHERE {ops.quote_name('id')} = %s"
            cursor.executemany(
                update, [(*dated(row[:-1], 0, ops), now, row[-1]) for row in changed]
            )
        if new:
            columns = ", ".join(ops.quote_name(column) for column in STORED_COLUMNS)
            marks = ", ".join(["%s"] * len(STORED_COLUMNS))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            cursor.executemany(insert, [(*dated(row, KEY_COLUMNS, ops), now) for row in new])


def dated(row: tuple[Any, ...], start: int, ops: Any) -> list[Any]:
    """Return `row` with the period's first and last day (at `start`) as the driver takes them."""
    listed = list(row)
    for index in (start, start + 1):
        listed[index] = ops.adapt_datefield_value(listed[index])
    return listed


def measures_changed_since_computed() -> list[Measure]:
    """Return the measures with a spec whose values were computed from another spec (or never)."""
    return [
        measure
        for measure in Measure.objects.exclude(spec={})
        if measure.computed_spec_digest != measure.spec_digest
    ]


def measures_reading(slug: str) -> list[Measure]:
    """Return the measures that read dataset `slug`, directly or through a ratio's parts."""
    specs = measure_specs()
    reading = {measure for measure, spec in specs.items() if slug in datasets_read(spec, specs)}
    return list(Measure.objects.filter(slug__in=reading))


def recompute_for_dataset(dataset: Dataset) -> ComputeReport:
    """Recompute every measure that reads `dataset` (after a load publishes a version)."""
    return compute_measures(measures_reading(dataset.slug))
