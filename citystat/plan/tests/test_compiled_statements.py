"""Measure queries are compiled once per spec, schema and engine, and never reused past a
change of what they were compiled from (#22: the fixed cost of compiling the plan)."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.plan.compute import compiled, engine
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure

SCHEMA = {
    "fields": [
        {"name": "case_id", "type": "integer"},
        {"name": "created_date", "type": "date"},
        {"name": "closed_date", "type": "date"},
        {"name": "days", "type": "integer"},
        {"name": "district", "type": "string"},
        {"name": "status", "groups": {"closed": ["RESOL"], "open": ["OPEN"], "duplicate": ["DUP"]}},
    ],
    "primaryKey": ["case_id"],
}
ROWS = """case_id,created_date,closed_date,days,district,status
1,2024-06-03,2024-06-04,1,North,RESOL
2,2024-06-05,,,South,OPEN
3,2024-06-07,2024-06-09,2,North,DUP
4,2024-07-01,2024-07-02,1,South,RESOL
5,2024-07-02,2024-07-09,7,North,RESOL
6,2024-07-03,,,,OPEN
7,2024-08-04,2024-08-04,0,South,DUP
"""
SPECS = {
    "closed-count": {"aggregate": "count", "filter": "group_of(status) = 'closed'"},
    "mean-days": {"aggregate": "mean", "field": "days", "breakdowns": ["district"]},
    "share-closed": {"aggregate": "share", "condition": "group_of(status) = 'closed'"},
    "backlog": {"aggregate": "backlog", "closed": "closed_date", "breakdowns": ["district"]},
    "median-days": {"aggregate": "median", "field": "days"},
}


@pytest.fixture
def cases(kansas_city, tmp_path):
    compiled.forget_statements()
    dataset = Dataset.objects.create(slug="cases", title="Cases", table_schema=SCHEMA)
    path = tmp_path / "cases.csv"
    path.write_text(ROWS, encoding="utf-8")
    ingest(dataset, path)
    measures = [
        add_measure(slug, {"dataset": "cases", "date": "created_date", "grain": "month", **spec})
        for slug, spec in SPECS.items()
    ]
    yield dataset, measures, pd.read_csv(path, parse_dates=["created_date"])
    compiled.forget_statements()


def stored() -> list[tuple[Any, ...]]:
    return sorted(
        (v.measure.slug, v.period, v.breakdown, v.breakdown_value, v.value, v.is_partial)
        for v in MeasureValue.objects.select_related("measure")
    )


def counting_builds(monkeypatch) -> list[str]:
    """Count each time a spec's expressions are built (compiled) rather than reused."""
    built: list[str] = []
    for name in ("grouped_expressions", "backlog_expressions"):
        real = getattr(engine, name)

        def counted(backend, relation, spec, context, real=real):
            built.append(spec.source["aggregate"])
            yield from real(backend, relation, spec, context)

        monkeypatch.setattr(engine, name, counted)
    return built


def test_a_second_compute_reuses_every_statement_and_stores_the_same_values(cases, monkeypatch):
    built = counting_builds(monkeypatch)
    first = compute_measures()
    assert not first.failed, first.failed
    values = stored()
    assert sorted(built) == sorted(spec["aggregate"] for spec in SPECS.values())
    built.clear()
    second = compute_measures()
    assert not second.failed
    assert built == []
    assert stored() == values


def test_statements_from_the_shared_cache_serve_a_new_process(cases, monkeypatch):
    compute_measures()
    values = stored()
    compiled.forget_statements()  # as a new process: only the shared cache holds them
    built = counting_builds(monkeypatch)
    compute_measures()
    assert built == []
    assert stored() == values


def test_kept_statements_give_exactly_what_compiling_afresh_gives(cases, monkeypatch):
    compute_measures()
    compute_measures()  # from kept statements
    kept = stored()
    monkeypatch.setattr(engine, "statements_key", lambda *args: None)
    compute_measures()
    assert stored() == kept


def test_a_changed_status_group_compiles_again_and_counts_the_new_group(cases, monkeypatch):
    dataset, _measures, frame = cases
    compute_measures()
    schema = copy.deepcopy(SCHEMA)
    schema["fields"][-1]["groups"] = {"closed": ["RESOL", "DUP"], "open": ["OPEN"]}
    dataset.table_schema = schema
    dataset.save()
    built = counting_builds(monkeypatch)
    report = compute_measures()
    assert not report.failed, report.failed
    assert "count" in built
    closed = frame[frame["status"].isin(["RESOL", "DUP"])]
    expected = closed.groupby(closed["created_date"].dt.strftime("%Y-%m")).size()
    counted = {
        v.period: v.value
        for v in MeasureValue.objects.filter(measure__slug="closed-count", breakdown="")
    }
    assert counted == {month: float(expected.get(month, 0)) for month in counted}
    assert counted["2024-08"] == 1  # the DUP row, closed only under the new groups


def test_a_changed_spec_compiles_again(cases, monkeypatch):
    _dataset, measures, frame = cases
    compute_measures()
    measure = measures[0]
    measure.spec = {**measure.spec, "filter": "group_of(status) = 'open'"}
    measure.save()
    built = counting_builds(monkeypatch)
    compute_measures([measure])
    assert built == ["count"]
    other = frame[frame["status"] == "OPEN"]
    expected = other.groupby(other["created_date"].dt.strftime("%Y-%m")).size()
    counted = {
        v.period: v.value for v in MeasureValue.objects.filter(measure=measure, breakdown="")
    }
    assert counted == {month: float(expected.get(month, 0)) for month in counted}


def test_a_spec_built_in_code_is_never_kept(kansas_city):
    class Spec:
        source: dict = {}

    assert compiled.statements_key("grouped", None, "t", Spec(), None) is None
