"""Where peer figures come from: one entry per kind of peer, each reading its figures.

    KINDS["soda"].read(peer)  # → PeerReading: figures, and per-measure failures

A citystat site is read through its REST API (linked measures only); a Socrata portal
computes our own specs on its rows (peers/soql.py), or, where SoQL cannot say the spec,
its rows are paged through and the spec computed here by plan/compute on a temporary
DuckDB table; a benchmark file is read line by line, all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from citystat.catalog.models import Dataset
from citystat.lib.errors import CitystatError
from citystat.lib.periods import Period, PeriodError, parse_period, period_of, periods_between
from citystat.peers.models import Peer, PeerValue
from citystat.peers.remote import COUNTER, PeerFailed, get_bytes, get_json
from citystat.peers.soql import PERIOD_ALIAS, NotExpressible, quote, translate
from citystat.plan.compute.engine import ADDITIVE, ComputedValue, Context, compute_spec, finish
from citystat.plan.compute.spec import (
    MeasureSpec,
    SpecError,
    check_spec,
    columns_read,
    schema_types,
    uses_measures,
)
from citystat.plan.models import Measure

PAGE = 50_000  # the largest page a Socrata portal (and citystat's SODA) answers
ROWS_TABLE = "peer_rows"


class PeerError(CitystatError):
    """A peer that cannot be added or read as given."""


@dataclass
class Figure:
    measure: Measure
    period: str
    start: dt.date
    end: dt.date
    value: float
    method: str
    source_url: str
    source: str = ""
    notes: str = ""


@dataclass
class PeerReading:
    figures: list[Figure] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # measure slug → why


@dataclass(frozen=True)
class Kind:
    name: str
    read: Callable[[Peer], PeerReading]


# SODA peers ------------------------------------------------------------------------------


def soda_measures(peer: Peer) -> list[Measure]:
    """Return our measures a SODA peer computes: those over the dataset it stands for."""
    return [
        measure
        for measure in Measure.objects.exclude(spec={}).order_by("slug")
        if isinstance(measure.spec, dict) and measure.spec.get("dataset") == peer.dataset
    ]


def our_schema(slug: str) -> dict[str, Any]:
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        raise PeerError(f"{slug!r} is not a dataset in the catalog.")
    return dataset.table_schema


def checked(measure: Measure, peer: Peer) -> MeasureSpec:
    schema = our_schema(peer.dataset)
    return check_spec(measure.spec, {peer.dataset: schema}, peer.calendar, {}, measure.slug)


def fields_needed(measure: Measure, schema: dict[str, Any]) -> list[str]:
    """Return the fields of our dataset the measure's spec reads (date, filter, field …)."""
    names = set(schema_types(schema))
    spec = {key: value for key, value in measure.spec.items() if key != "breakdowns"}
    return sorted({name for _dataset, name in columns_read(spec, {})} & names)


def check_soda_peer(peer: Peer) -> None:
    """Raise PeerError unless every measure over the peer's dataset can be read there."""
    schema = our_schema(peer.dataset)
    fields = schema_types(schema)
    for ours in peer.column_map:
        if ours not in fields:
            raise PeerError(
                f"peer {peer.slug!r}: the column map names {ours!r}, which is not a field "
                f"of dataset {peer.dataset!r} (its fields: {', '.join(sorted(fields))})."
            )
    for measure in soda_measures(peer):
        for name in fields_needed(measure, schema):
            if name not in peer.column_map:
                raise PeerError(
                    f"peer {peer.slug!r}: the column map has no column for field {name!r}, "
                    f"which measure {measure.slug!r} needs; add --map {name}=<their column>."
                )
        if measure.spec.get("aggregate") == "rate_per_1000" and not peer.population:
            raise PeerError(
                f"peer {peer.slug!r}: measure {measure.slug!r} is a rate per 1,000 residents; "
                "give the peer's population (--population)."
            )


def resource_url(peer: Peer, parameters: dict[str, str]) -> str:
    base = f"{peer.url.rstrip('/')}/resource/{urllib.parse.quote(peer.dataset_id)}.json"
    return f"{base}?{urllib.parse.urlencode(parameters)}" if parameters else base


def soda_rows(peer: Peer, parameters: dict[str, str]) -> list[dict[str, Any]]:
    answer = get_json(resource_url(peer, parameters))
    if not isinstance(answer, list):
        text = str(answer.get("message") if isinstance(answer, dict) else answer)
        raise PeerFailed(f"not rows from {resource_url(peer, {})}: {text.splitlines()[0][:300]}")
    return answer


def paged(peer: Peer, parameters: dict[str, str], count_rows: bool = False) -> list[dict[str, Any]]:
    """Return every row of a query, a page at a time."""
    rows: list[dict[str, Any]] = []
    while True:
        page = soda_rows(peer, {**parameters, "$limit": str(PAGE), "$offset": str(len(rows))})
        rows.extend(page)
        if count_rows:
            COUNTER.rows += len(page)
        if len(page) < PAGE:
            return rows


def day_of(text: Any) -> dt.date:
    return dt.datetime.fromisoformat(str(text).replace("Z", "")).date()


def soda_span(peer: Peer, spec: MeasureSpec) -> tuple[dt.date, dt.date] | None:
    """Return the first and last date of the peer's whole dataset, as engine.data_span."""
    date = quote(peer.column_map[spec.date])
    row = soda_rows(peer, {"$select": f"min({date}) AS peer_first, max({date}) AS peer_last"})
    if not row or row[0].get("peer_first") is None:
        return None
    return day_of(row[0]["peer_first"]), day_of(row[0]["peer_last"])


def by_soql(peer: Peer, spec: MeasureSpec, context: Context) -> list[ComputedValue]:
    """Compute `spec` with the portal's own SoQL; raise NotExpressible where it cannot."""
    query = translate(spec, peer.column_map, peer.calendar)
    span = soda_span(peer, spec)
    if span is None:
        return []
    groups: dict[tuple[str, str], dict[Period, dict[str, Any]]] = {("", ""): {}}
    for row in paged(peer, query.parameters()):
        period = period_of(day_of(row[PERIOD_ALIAS]), spec.grain, peer.calendar)
        parts = groups[("", "")].setdefault(period, {})
        for name in query.parts:
            amount = row.get(f"peer_{name}")
            if amount is not None:
                parts[name] = (parts.get(name) or 0) + float(amount)
            else:
                parts.setdefault(name, None)
    if spec.aggregate not in ADDITIVE:
        groups[("", "")] = {p: parts for p, parts in groups[("", "")].items() if parts}
    periods = periods_between(
        period_of(span[0], spec.grain, peer.calendar),
        period_of(span[1], spec.grain, peer.calendar),
        peer.calendar,
    )
    return finish(groups, spec, context, periods, span)


ARROW_TYPES = {
    "integer": pa.int64(),
    "year": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


def typed(value: Any, kind: str) -> Any:
    """Return one SODA cell (text, as SODA writes every value) as our field's type."""
    if value is None or value == "":
        return None
    if kind in ("integer", "year"):
        return int(float(value))
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "date":
        return day_of(value)
    if kind == "datetime":
        return dt.datetime.fromisoformat(str(value).replace("Z", ""))
    return str(value)


def by_rows(
    peer: Peer,
    measure: Measure,
    spec: MeasureSpec,
    context: Context,
    cache: dict[tuple[str, ...], pa.Table],
) -> list[ComputedValue]:
    """Page the rows through (within the peer's row limit) and compute the spec here."""
    schema = our_schema(peer.dataset)
    types = schema_types(schema)
    needed = tuple(fields_needed(measure, schema))
    if needed not in cache:
        counted = soda_rows(peer, {"$select": "count(*) AS peer_count"})
        total = int(float(counted[0]["peer_count"])) if counted else 0
        if total > peer.row_limit:
            raise PeerFailed(
                f"{total:,} rows to page through, more than the peer's row limit of "
                f"{peer.row_limit:,}; raise it with `peers add … --row-limit`."
            )
        # Each column under an alias of our own: a portal may refuse a column name with a
        # space as an answer's key, and the alias cannot be any column's name.
        aliases = {name: f"peer_c{index}" for index, name in enumerate(needed)}
        select = ", ".join(
            f"{quote(peer.column_map[name])} AS {alias}" for name, alias in aliases.items()
        )
        rows = paged(peer, {"$select": select, "$order": ":id"}, count_rows=True)
        columns = {
            name: pa.array(
                [typed(row.get(aliases[name]), types[name]) for row in rows],
                type=ARROW_TYPES.get(types[name], pa.string()),
            )
            for name in needed
        }
        cache[needed] = pa.table(columns)
    backend = ibis.duckdb.connect()
    try:
        # Registered as a view of the Arrow table: nothing is copied, nothing is written.
        backend.con.register(ROWS_TABLE, cache[needed])
        return compute_spec(backend, ROWS_TABLE, spec, context)
    finally:
        backend.disconnect()


def read_soda(peer: Peer) -> PeerReading:
    reading = PeerReading()
    context = Context(calendar=peer.calendar, population=peer.population)
    cache: dict[tuple[str, ...], pa.Table] = {}
    source = resource_url(peer, {})
    for measure in soda_measures(peer):
        try:
            spec = checked(measure, peer)
            if uses_measures(spec):
                continue  # a ratio of measures is shown from each of its measures
            try:
                values, method = by_soql(peer, spec, context), PeerValue.Method.SOQL
                how = "computed by the portal with SoQL"
            except NotExpressible as why:
                values = by_rows(peer, measure, spec, context, cache)
                method, how = PeerValue.Method.ROWS, f"computed here from its rows: {why}"
        except (SpecError, PeerError, PeerFailed) as error:
            reading.failed[measure.slug] = str(error).splitlines()[0]
            continue
        reading.figures += figures_of(measure, values, method, source, how)
    return reading


def figures_of(
    measure: Measure, values: list[ComputedValue], method: str, source: str, notes: str
) -> list[Figure]:
    """Keep the overall, complete values (a running month is not comparable)."""
    return [
        Figure(
            measure=measure,
            period=value.period.label,
            start=value.period.start,
            end=value.period.end,
            value=value.value,
            method=method,
            source_url=source,
            notes=notes,
        )
        for value in values
        if not value.breakdown and value.value is not None and not value.is_partial
    ]


# citystat peers --------------------------------------------------------------------------


def read_citystat(peer: Peer) -> PeerReading:
    """Read each linked measure's values from the peer's REST API."""
    reading = PeerReading()
    base = peer.url.rstrip("/")
    for link in peer.links.select_related("measure").order_by("measure__slug"):
        measure, theirs = link.measure, link.their_measure or link.measure.slug
        try:
            detail = get_json(f"{base}/api/v1/measures/{urllib.parse.quote(theirs)}/")
            if not isinstance(detail, dict):
                raise PeerFailed(f"not a measure from {base}: {str(detail)[:200]}")
            if detail.get("unit") != measure.unit:
                raise PeerError(
                    f"their {theirs!r} is in {detail.get('unit')!r}, ours in {measure.unit!r}."
                )
            same = (detail.get("definition") or "").strip() == measure.definition.strip()
            if not same and not link.note:
                raise PeerError(
                    f"their {theirs!r} is defined differently; link it with a --note saying how."
                )
            page_url: str | None = (
                f"{base}/api/v1/measures/{urllib.parse.quote(theirs)}/values/?breakdown="
            )
            source = urllib.parse.urljoin(base + "/", str(detail.get("url") or ""))
            while page_url:
                answer = get_json(page_url)
                if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
                    raise PeerFailed(f"not a page of values from {page_url}")
                for row in answer["results"]:
                    if row.get("value") is None or row.get("is_partial"):
                        continue
                    reading.figures.append(
                        Figure(
                            measure=measure,
                            period=str(row["period"]),
                            start=dt.date.fromisoformat(row["period_start"]),
                            end=dt.date.fromisoformat(row["period_end"]),
                            value=float(row["value"]),
                            method=PeerValue.Method.API,
                            source_url=source,
                            notes=link.note,
                        )
                    )
                page_url = answer.get("next")
        except (PeerError, PeerFailed, KeyError, ValueError) as error:
            reading.failed[measure.slug] = str(error).splitlines()[0]
    return reading


# Benchmark files -------------------------------------------------------------------------

COLUMNS = ["measure", "period", "value", "source", "notes"]


def file_text(location: str) -> str:
    if location.startswith(("http://", "https://")):
        return get_bytes(location).decode("utf-8-sig")
    path = Path(location)
    if not path.is_file():
        raise PeerFailed(f"{location}: no such file.")
    return path.read_text(encoding="utf-8-sig")


def parse_benchmark_file(peer: Peer, text: str) -> list[Figure]:
    """Return the file's figures, or raise PeerError naming every bad line (nothing loads)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [name.strip() for name in reader.fieldnames] != COLUMNS:
        raise PeerError(
            f"{peer.url}: line 1 should be the header {','.join(COLUMNS)}, "
            f"not {','.join(reader.fieldnames or [])!r}."
        )
    measures = {measure.slug: measure for measure in Measure.objects.all()}
    figures, problems = [], []
    for row in reader:
        line = reader.line_num
        slug = (row["measure"] or "").strip()
        if slug not in measures:
            problems.append(f"line {line}: measure {slug!r} is not a measure of the plan")
            continue
        try:
            period = parse_period(row["period"] or "", peer.calendar)
        except PeriodError as error:
            problems.append(f"line {line}: period: {error}")
            continue
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            problems.append(f"line {line}: value {row['value']!r} is not a number")
            continue
        source = (row["source"] or "").strip()
        if not source:
            problems.append(f"line {line}: source is empty; every figure names where it is from")
            continue
        figures.append(
            Figure(
                measure=measures[slug],
                period=period.label,
                start=period.start,
                end=period.end,
                value=value,
                method=PeerValue.Method.FILE,
                source_url=source if source.startswith(("http://", "https://")) else peer.url,
                source=source,
                notes=(row["notes"] or "").strip(),
            )
        )
    if problems:
        raise PeerError(f"{peer.url}: nothing loaded; " + "; ".join(problems))
    return figures


def read_file(peer: Peer) -> PeerReading:
    return PeerReading(figures=parse_benchmark_file(peer, file_text(peer.url)))


KINDS = {
    Peer.Kind.CITYSTAT: Kind("citystat", read_citystat),
    Peer.Kind.SODA: Kind("soda", read_soda),
    Peer.Kind.FILE: Kind("file", read_file),
}
