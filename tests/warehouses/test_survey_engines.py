"""The survey statistics give DuckDB's answers on PostgreSQL and Spark, and DuckDB's are
pandas' (issue #22: one read path for surveys).

The demo's resident and employee surveys are loaded on the folder warehouse (DuckDB),
then on the engine under test, and every statistic the survey pages show is computed on
both: satisfied shares with their intervals (citywide, by district, in one wave),
importance, importance–satisfaction priorities, changes between waves, engagement, the
focus test and the order of waves. Weights are fractional, so a sum may differ in its
last bits with the order an engine adds rows in (docs/warehouses.md).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from citystat.catalog.ingest import ingest
from citystat.surveys import employee, focus, ratings, waves
from citystat.surveys.definition import SurveyDefinition, shipped_definition
from citystat.surveys.tests.conftest import demo_survey_files, load_survey_file  # noqa: F401

ENGINES = [
    pytest.param("postgres"),
    pytest.param("spark", marks=[pytest.mark.spark]),
]
# Relative difference allowed where engines add fractional weights in another order.
ROUNDING = 1e-9


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    request.getfixturevalue(f"{request.param}_warehouse")
    return str(request.param)


def statistics(resident: SurveyDefinition, staff: SurveyDefinition) -> Any:
    """Every survey statistic the pages show, as plain values."""
    order = ratings.waves(resident)
    first, last = order[0], order[-1]
    return plain(
        {
            "waves": waves.wave_dates(resident),
            "staff waves": waves.wave_dates(staff),
            "satisfaction": ratings.satisfaction(resident),
            "by district": ratings.satisfaction(resident, resident.district, last),
            "importance": ratings.importance(resident, resident.district),
            "priorities": list(ratings.priorities(resident).items()),
            "changes": ratings.changes(resident, first, last),
            "engagement": employee.engagement(staff),
            "focus": focus.focus_test(resident, ["q3_03", "q3_06"], first, last),
        }
    )


def plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def differences(got: object, want: object, where: str = "") -> list[str]:
    if isinstance(got, float) and isinstance(want, float):
        return [] if math.isclose(got, want, rel_tol=ROUNDING, abs_tol=1e-12) else [where]
    if isinstance(got, dict) and isinstance(want, dict):
        if got.keys() != want.keys():
            return [f"{where}: keys {sorted(map(str, got))} != {sorted(map(str, want))}"]
        return [d for key in want for d in differences(got[key], want[key], f"{where}/{key}")]
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} rows != {len(want)}"]
        return [d for i, (a, b) in enumerate(zip(got, want, strict=True)) for d in
                differences(a, b, f"{where}[{i}]")]  # fmt: skip
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def pandas_satisfaction(path: Path, definition: SurveyDefinition) -> dict[tuple[str, str], float]:
    """The weighted share answering 4 or 5 among answers 1–5, per wave and item."""
    frame = pd.read_csv(path)
    shares = {}
    for wave, rows in frame.groupby(definition.wave):
        for item in definition.items:
            answered = rows[rows[item.code].between(1, 5)]
            if len(answered) < definition.minimum_group_size:
                continue
            satisfied = answered[definition.weight].where(answered[item.code] >= 4, 0.0)
            shares[(str(wave), item.code)] = satisfied.sum() / answered[definition.weight].sum()
    return shares


@pytest.mark.slow
def test_survey_statistics_are_duckdbs_on_every_engine(
    db,
    engine_name,
    settings,
    tmp_path,
    demo_survey_files,  # noqa: F811
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    engine = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    resident = shipped_definition("demo-resident")
    staff = shipped_definition("demo-employee")
    datasets = [
        load_survey_file(resident, demo_survey_files["resident"]),
        load_survey_file(staff, demo_survey_files["employee"]),
    ]
    reference = statistics(resident, staff)

    # DuckDB's shares are pandas' (an independent computation from the file).
    expected = pandas_satisfaction(demo_survey_files["resident"], resident)
    computed = {(r["wave"], r["item"]): r["satisfied"] for r in reference["satisfaction"]}
    assert computed.keys() == expected.keys() and len(expected) > 100
    assert all(math.isclose(computed[key], expected[key], rel_tol=1e-12) for key in expected)

    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine
    for dataset, kind in zip(datasets, ("resident", "employee"), strict=True):
        ingest(dataset, demo_survey_files[kind])
    found = differences(statistics(resident, staff), reference)
    assert not found, f"{engine_name} differs from DuckDB at " + "; ".join(found[:10])
