"""Warehouse engines: the same loads, previews, downloads and SODA answers on DuckDB,
PostgreSQL (a real server) and Spark (local mode); a failed load changes nothing anywhere."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import psycopg
import pytest

from citystat.api.soda import json_rows, run_query
from citystat.catalog import engines, versions
from citystat.catalog.exports import export_file, write_export
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.preview import preview_rows
from citystat.catalog.tests.conftest import FIXTURES
from citystat.catalog.tests.datetime_dataset import load_tickets, tickets_frame
from citystat.city.models import CityProfile
from citystat.lib.periods import FiscalCalendar
from citystat.plan.compute.engine import Context
from citystat.plan.compute.portability import missing_operation
from citystat.plan.compute.run import compute_measures
from citystat.plan.compute.spec import check_spec
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.testing import add_measure

KC_SAMPLE = FIXTURES / "kc311_sample.csv"

# SoQL that touches every construct whose SQL differs between dialects.
QUERIES = [
    {"$limit": "50"},
    {"$where": "status = 'OPEN' and days_to_close is null", "$order": "case_id desc"},
    {"$select": "council_district, count(*) as n", "$group": "council_district"},
    {"$select": "date_trunc_ym(created_date) as month, count(*)", "$group": "month"},
    {"$select": "date_extract_dow(created_date) as day, count(*)", "$group": "day"},
    {"$select": "date_extract_woy(created_date) as week, avg(days_to_close)", "$group": "week"},
    {"$q": "pothole", "$select": "count(*)"},
    {"$where": "within_circle(location, 39.05, -94.55, 5000)", "$select": "count(*)"},
    {"$where": "type like 'Pot%'", "$select": "min(created_date), max(closed_date)"},
    {"$select": "sum(days_to_close), count(distinct type)", "$where": "council_district >= 3"},
    {"type": "Pothole", "$order": "created_date, case_id", "$offset": "5", "$limit": "7"},
]
# Every SoQL function and operator that renders differently per engine (#18).
FUNCTION_QUERIES = [
    {
        "$select": "case_id, coalesce(days_to_close, -1) as c, "
        "greatest(days_to_close, council_district) as g, least(days_to_close, 3) as l, "
        "ln(days_to_close + 1) as n, days_to_close ^ 2 as p, days_to_close / 4 as d, "
        "type || ' / ' || detail as joined, council_district || '' as district_text, "
        "case(days_to_close > 30, 'slow', days_to_close <= 30, 'fast') as speed",
        "$order": "case_id",
    },
    {
        "$select": "detail, stddev_pop(days_to_close) as sp, stddev_samp(days_to_close) as ss, "
        "regr_slope(days_to_close, council_district) as slope, "
        "regr_intercept(days_to_close, council_district) as intercept, "
        "regr_r2(days_to_close, council_district) as r2, count(*)",
        "$group": "detail",
    },
    {"$select": "distinct `detail`, council_district", "$order": "council_district desc"},
    {"$query": "SELECT DISTINCT detail WHERE detail NOT LIKE '%3' ORDER BY detail"},
    {
        "$select": "case_id, location, distance_in_meters(location, 'POINT (-94.58 39.1)') as d, "
        "within_polygon(location, 'MULTIPOLYGON (((-94.6 39.0, -94.5 39.0, -94.5 39.1, "
        "-94.6 39.1, -94.6 39.0), (-94.56 39.04, -94.54 39.04, -94.55 39.06, -94.56 39.04)))') "
        "as inside, intersects(location, 'POLYGON ((-94.6 39.0, -94.5 39.0, -94.55 39.2, "
        "-94.6 39.0))') as touches",
        "$where": "location is not null",
        "$order": "case_id",
    },
    {"$select": "location, count(*)", "$group": "location"},
]
ENGINES = ["duckdb", "postgres", pytest.param("spark", marks=[pytest.mark.spark])]


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    """Run the test on each engine; DuckDB's folder warehouse needs no fixture."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_warehouse")
    elif request.param == "spark":
        request.getfixturevalue("spark_warehouse")
        # Each Spark query is a job of its own (a second or more on a busy CI machine);
        # these tests check answers, so SODA's 10-second limit must not cut one off.
        request.getfixturevalue("monkeypatch").setattr("citystat.api.soda.QUERY_SECONDS", 300)
    return str(request.param)


@pytest.fixture(autouse=True)
def private_home(settings, tmp_path) -> None:
    """Keep each test's home (and so its SQLite and files) apart."""
    settings.CITYSTAT_HOME = tmp_path / "home"


def answers(dataset: Dataset) -> list[list[dict]]:
    return [json_rows(run_query(dataset, dict(query))) for query in QUERIES]


def as_text(preview: tuple[list[str], list[tuple]]) -> tuple[list[str], list[list[str]]]:
    return preview[0], [[str(value) for value in row] for row in preview[1]]


def csv_download(version: DatasetVersion) -> bytes:
    """Write the version's CSV download as the exports job does, and read it."""
    write_export(version, "csv")
    return export_file(version.dataset.slug, version.number, "csv").read_bytes()


def on_duckdb(settings, tmp_path: Path, dataset: Dataset) -> tuple[list, tuple, bytes]:
    """Load the sample into a folder warehouse; return its SODA answers, preview and CSV."""
    engine_settings = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    version = ingest(dataset, KC_SAMPLE)
    reference = (
        answers(dataset),
        preview_rows(dataset),
        csv_download(version),
    )
    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine_settings
    return reference


def test_every_engine_gives_duckdbs_answers(engine_name, requests_dataset, settings, tmp_path):
    soda, preview, csv = on_duckdb(settings, tmp_path, requests_dataset)
    version = ingest(requests_dataset, KC_SAMPLE)
    assert engines.current().name == {"spark": "pyspark"}.get(engine_name, engine_name)
    assert answers(requests_dataset) == soda
    # Spark has no time-of-day type: there a TIME column is 'HH:MM:SS' text, shown the same.
    assert as_text(preview_rows(requests_dataset)) == as_text(preview)
    assert csv_download(version) == csv
    assert sum(len(rows) for rows in soda) > 100  # the queries answer something


def close_enough(answer: list[list[dict]], reference: list[list[dict]]) -> bool:
    """Equal, except that numbers may differ in their last bits (docs/warehouses.md)."""

    def same(a: object, b: object) -> bool:
        if isinstance(a, str) and isinstance(b, str) and a != b:
            try:
                return math.isclose(float(a), float(b), rel_tol=1e-9)
            except ValueError:
                return False
        return a == b

    return all(
        len(rows) == len(wanted)
        and all(
            row.keys() == other.keys() and all(same(row[key], other[key]) for key in row)
            for row, other in zip(rows, wanted, strict=True)
        )
        for rows, wanted in zip(answer, reference, strict=True)
    )


def test_every_soql_function_runs_on_every_engine(
    engine_name, requests_dataset, settings, tmp_path
):
    engine_settings = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    ingest(requests_dataset, KC_SAMPLE)
    reference = [json_rows(run_query(requests_dataset, query)) for query in FUNCTION_QUERIES]
    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine_settings
    ingest(requests_dataset, KC_SAMPLE)
    answer = [json_rows(run_query(requests_dataset, query)) for query in FUNCTION_QUERIES]
    assert all(reference), reference  # every query answers something
    assert close_enough(answer, reference), (answer, reference)


def test_a_refused_file_leaves_the_published_version_on_every_engine(
    engine_name, requests_dataset, tmp_path
):
    first = ingest(requests_dataset, KC_SAMPLE)
    before = answers(requests_dataset)
    broken = tmp_path / "broken.csv"
    lines = KC_SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    broken.write_text("\n".join([lines[0], lines[1].replace("1/7/20", "not a date")]) + "\n")
    with pytest.raises(IngestError):
        ingest(requests_dataset, broken)
    assert requests_dataset.latest_version == first
    assert answers(requests_dataset) == before


def postgres_tables(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select tablename from pg_tables where schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_postgres_keeps_a_table_per_version_and_drops_pruned_ones(
    postgres_warehouse, requests_dataset, settings
):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    for _ in range(3):
        latest = ingest(requests_dataset, KC_SAMPLE)
    assert postgres_tables(postgres_warehouse) == {
        "service_requests__v2",
        "service_requests__v3",
    }
    with psycopg.connect(postgres_warehouse) as connection:
        found = connection.execute('select count(*) from "service_requests__v3"').fetchone()
    assert found == (latest.row_count,) and latest.row_count == 200


def test_a_load_postgres_refuses_publishes_nothing(postgres_warehouse, requests_dataset, settings):
    first = ingest(requests_dataset, KC_SAMPLE)
    before = answers(requests_dataset)
    # The warehouse server goes away mid-way: the load fails and says where.
    settings.CITYSTAT_WAREHOUSE = postgres_warehouse.replace(":5432/", ":1/")
    with pytest.raises(IngestError, match="PostgreSQL .* did not take v2"):
        ingest(requests_dataset, KC_SAMPLE)
    settings.CITYSTAT_WAREHOUSE = postgres_warehouse
    failed = requests_dataset.versions.get(number=2)
    assert failed.status == DatasetVersion.Status.FAILED
    assert "published version was not changed" in failed.report["message"]
    assert requests_dataset.latest_version == first
    assert answers(requests_dataset) == before
    assert postgres_tables(postgres_warehouse) == {"service_requests__v1"}


def test_rollback_on_postgres_returns_to_the_old_table(
    postgres_warehouse, requests_dataset, tmp_path
):
    ingest(requests_dataset, KC_SAMPLE)
    before = answers(requests_dataset)
    lines = KC_SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    ingest(requests_dataset, fewer)
    assert answers(requests_dataset)[0] != before[0]
    versions.rollback(requests_dataset)
    assert answers(requests_dataset) == before


def test_the_warehouse_setting_names_the_engine(settings, tmp_path):
    folder = engines.engine_for(str(tmp_path / "wh"))
    assert (folder.name, folder.files) == ("duckdb", tmp_path / "wh")
    assert engines.engine_for(f"duckdb://{tmp_path}/wh").files == tmp_path / "wh"
    postgres = engines.engine_for("postgres://u:secret@db.internal:5433/wh", tmp_path / "v")
    assert (postgres.name, postgres.dialect, postgres.files) == (
        "postgres",
        "postgres",
        tmp_path / "v",
    )
    assert "secret" not in postgres.describe() and "db.internal:5433/wh" in postgres.describe()
    spark = engines.engine_for("pyspark://local[2]?spark.driver.memory=2g", tmp_path / "v")
    assert (spark.name, spark.dialect) == ("pyspark", "spark")
    with pytest.raises(engines.EngineError, match="does not run yet"):
        engines.engine_for("trino://host/catalog")
    with pytest.raises(engines.EngineError, match="names no Spark master"):
        engines.engine_for("pyspark://")


def test_version_relations_fit_postgres_and_never_collide():
    assert engines.version_relation("service-requests", 12) == "service_requests__v12"
    long_a, long_b = "a" * 58 + "-one", "a" * 58 + "-two"
    names = {engines.version_relation(slug, 3) for slug in (long_a, long_b)}
    assert len(names) == 2 and all(len(name) <= 63 for name in names)
    with pytest.raises(Exception, match="not a dataset slug"):
        engines.version_relation('x"; drop table y', 1)


@pytest.mark.parametrize(
    ("dialect", "lacks_median"),
    [("duckdb", False), ("postgres", False), ("pyspark", False), ("trino", True)],
)
def test_a_measure_the_engine_cannot_compute_is_known_without_running_it(dialect, lacks_median):
    schema = {
        "fields": [
            {"name": "opened", "type": "date"},
            {"name": "days", "type": "integer"},
            {"name": "district", "type": "integer"},
        ]
    }
    calendar = FiscalCalendar(5, 1)
    context = Context(calendar=calendar)
    spec = {"dataset": "requests", "date": "opened", "grain": "month"}
    schemas = {"requests": schema}
    median = {**spec, "aggregate": "median", "field": "days", "breakdowns": ["district"]}
    median_spec = check_spec(median, schemas, calendar)
    count_spec = check_spec({**spec, "aggregate": "count"}, schemas, calendar)
    missing = missing_operation(median_spec, schema, context, dialect)
    assert (missing is not None and "Median" in missing) is lacks_median
    assert missing_operation(count_spec, schema, context, dialect) is None


# Durations and the daily and weekly grains ------------------------------------------

DURATION_SPECS = {
    "week-count": {"aggregate": "count", "grain": "week"},
    "day-count": {"aggregate": "count", "grain": "day", "breakdowns": ["ward"]},
    "week-mean-hours": {
        "aggregate": "mean", "field": "hours_between(opened_at, resolved_at)", "grain": "week"},
    "month-median-days": {
        "aggregate": "median", "field": "days_between(opened_at, resolved_at)", "grain": "month"},
    "week-sum-date-days": {
        "aggregate": "sum", "field": "days_between(inspect_by, inspected_on)", "grain": "week"},
    "week-share-late": {
        "aggregate": "share", "condition": "days_between(opened_at, resolved_at) > 3",
        "grain": "week", "breakdowns": ["ward"]},
    "day-share-mixed": {
        "aggregate": "share", "condition": "hours_between(inspect_by, resolved_at) <= 48",
        "grain": "day"},
}  # fmt: skip


def duration_values(tickets: Dataset) -> dict[tuple[str, str, str, str], tuple]:
    """Compute every DURATION_SPECS measure on the configured engine; return its values."""
    measures = [
        add_measure(slug, {"dataset": tickets.slug, "date": "opened_at", **spec}, dataset=tickets)
        for slug, spec in DURATION_SPECS.items()
    ]
    report = compute_measures(measures)
    assert not report.failed, report.failed
    values = MeasureValue.objects.filter(measure__in=measures)
    return {
        (v.measure.slug, v.period, v.breakdown, v.breakdown_value): (v.value, v.is_partial)
        for v in values
    }


def test_durations_and_weeks_give_duckdbs_and_pandas_answers_on_every_engine(
    engine_name, db, settings, tmp_path
):
    frame = tickets_frame(rows=300)
    CityProfile.objects.create(name="Elsewhere", time_zone="America/Los_Angeles")
    tickets = load_tickets(tmp_path, frame)
    found = duration_values(tickets)
    # pandas, for the two measures every other one is built like.
    iso = frame["opened_at"].dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    hours = (frame["resolved_at"] - frame["opened_at"]).dt.total_seconds() / 3600
    for label, count in frame.groupby(week).size().items():
        assert found[("week-count", label, "", "")][0] == count
    for label, mean in hours.groupby(week).mean().items():
        value = found[("week-mean-hours", label, "", "")][0]
        assert value is not None and math.isclose(value, mean, rel_tol=1e-9), label
    assert found[("week-count", "2017-W51", "", "")][1]  # partial at the start
    # Every engine gives DuckDB's answers: whole numbers exactly, fractions to 1e-9.
    if engine_name != "duckdb":
        settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
        Measure.objects.all().delete()
        Dataset.objects.filter(slug="tickets").delete()
        reference = duration_values(load_tickets(tmp_path, frame))
        assert set(found) == set(reference)
        for key, (value, partial) in reference.items():
            other, other_partial = found[key]
            assert partial == other_partial, key
            assert (value is None) == (other is None), key
            if value is not None:
                assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12), key


def changed_sample(folder: Path) -> Path:
    """KC_SAMPLE without its first 40 requests and with the next 25 reopened."""
    with KC_SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    status = header.index("STATUS")
    for row in body[40:65]:
        row[status] = "OPEN" if row[status] != "OPEN" else "RESOL"
    path = folder / "changed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body[40:]])
    return path


def test_rows_per_place_are_duckdbs_on_every_engine(
    engine_name, requests_dataset, settings, tmp_path
):
    """The watch's diff (#21) runs in each engine and counts what DuckDB counts."""

    def diff() -> list[tuple[str, str, int, list]]:
        answer = []
        for change in ("new", "changed", "both"):
            for found in versions.rows_by_place(
                requests_dataset,
                1,
                2,
                change=change,  # type: ignore[arg-type]
                place_fields=["council_district", "neighborhood"],
                show_fields=["case_id", "status"],
                sample=3,
            ):
                answer.append((change, found.column, found.value, found.count, found.rows))
        return sorted(answer, key=str)

    engine_settings = (settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES)
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "reference")
    ingest(requests_dataset, KC_SAMPLE)
    ingest(requests_dataset, changed_sample(tmp_path))
    reference = diff()
    settings.CITYSTAT_WAREHOUSE, settings.CITYSTAT_WAREHOUSE_FILES = engine_settings
    requests_dataset.versions.all().delete()
    ingest(requests_dataset, KC_SAMPLE)
    ingest(requests_dataset, changed_sample(tmp_path))
    assert sum(count for change, _c, _v, count, _r in reference if change == "changed") == 50
    assert diff() == reference
