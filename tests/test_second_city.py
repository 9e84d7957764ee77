"""The adoption path, end to end, for a city that is not Kansas City (#17).

From an empty home: Riverton's profile with numbered districts and neighborhood ids, a
schema drafted from its two-file 311 export with 12-hour datetimes, a dataset created
and loaded as one version, a plan with durations and a weekly grain, manual values
imported from a CSV, compute, then its pages and SODA. docs/adopting.md walks the same
path. Every computed value is checked against an answer worked out here from the rows.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from citystat.catalog.models import Dataset
from citystat.plan.models import Measure, MeasureValue
from tests.second_city.generate import Request, neighborhood_name, write_city

PLAN = Path(__file__).parent / "second_city" / "plan.yaml"
# The names citystat's place pages and Open311 read a 311 dataset by; the city renames
# its drafted fields to them and maps its own headers onto them.
RENAMED = {
    "creation_date": "created_date",
    "council_dist": "council_district",
    "nbhd_id": "neighborhood",
}
MAPS = ["created_date=CREATION DATE", "council_district=Council Dist", "neighborhood=NBHD ID"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def days(request: Request) -> float:
    assert request.closed is not None
    return (request.closed - request.created).total_seconds() / 86_400


@pytest.fixture
def riverton(tmp_path, transactional_db, settings):
    folder = tmp_path / "riverton"
    made = write_city(folder)
    run("city", "--from", str(folder / "city.yaml"))
    files = [str(folder / "service_calls_2017.csv"), str(folder / "service_calls_2018.csv")]
    schema = json.loads(run("dataset", "draft", *files))
    for spec in schema["fields"]:
        spec["name"] = RENAMED.get(spec["name"], spec["name"])
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    get_user_model().objects.create_superuser("admin", "admin@riverton.example.org", "x")
    run(
        "dataset", "create", "service-calls", "--schema", str(tmp_path / "schema.json"),
        "--title", "Service calls", "--department", "customer-service", "--public",
        "--as", "admin",
    )  # fmt: skip
    run("ingest", "service-calls", *files, *(f"--map={pair}" for pair in MAPS))
    run("plan", "import", str(PLAN))
    values = tmp_path / "values.csv"
    values.write_text(
        "measure,period,value,source_note\n"
        "street-satisfaction,FY2018,62.5,Riverton resident survey 2018\n"
        "street-satisfaction,FY2019,58.0,Riverton resident survey 2019\n"
    )
    run("values", "import", str(values))
    run("compute")
    return schema, made


def soda(client, **parameters: str) -> list[dict]:
    response = client.get("/resource/service-calls.json", parameters)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def stored(slug: str) -> dict[str, MeasureValue]:
    rows = MeasureValue.objects.filter(measure__slug=slug, breakdown="")
    return {row.period: row for row in rows}


def test_the_draft_reads_riverton_s_export(riverton):
    schema, _ = riverton
    fields = {spec["name"]: spec for spec in schema["fields"]}
    assert fields["created_date"]["type"] == "datetime"
    assert fields["created_date"]["format"] == "%m/%d/%Y %I:%M:%S %p"
    assert fields["closed_date"]["type"] == "datetime"
    assert fields["council_district"]["type"] == "integer"
    assert fields["latitude"]["type"] == "number"
    assert fields["address"]["public"] is False
    assert schema["primaryKey"] == ["srnumber"]


def test_two_files_load_as_one_version_of_every_row(riverton):
    _, made = riverton
    dataset = Dataset.objects.get(slug="service-calls")
    versions = list(dataset.versions.all())
    assert len(versions) == 1
    assert versions[0].row_count == len(made) == 1_200


def test_weekly_counts_are_riverton_s_iso_weeks(riverton):
    _, made = riverton
    expected = Counter(week_of(request.created.date()) for request in made)
    values = stored("calls-per-week")
    assert {period: row.value for period, row in values.items()} == expected
    # The data starts on Saturday 1 July 2017 and ends on 30 June 2018, a Saturday: both
    # ends are part-weeks, and only they are partial.
    partial = {period for period, row in values.items() if row.is_partial}
    assert partial == {"2017-W26", "2018-W26"}
    assert values["2017-W27"].period_start == dt.date(2017, 7, 3)


def test_durations_over_datetimes_give_fractional_days(riverton):
    _, made = riverton
    by_month: dict[str, list[float]] = defaultdict(list)
    within: dict[str, list[bool]] = defaultdict(list)
    for request in made:
        month = request.created.strftime("%Y-%m")
        if request.status == "Closed":
            by_month[month].append(days(request))
        within[month].append(request.closed is not None and days(request) <= 7)
    means = stored("mean-days-to-close")
    assert set(means) == set(by_month)
    for month, spans in by_month.items():
        assert means[month].value == pytest.approx(statistics.fmean(spans), rel=1e-9)
    shares = stored("closed-within-7-days")
    for month, flags in within.items():
        assert shares[month].value == pytest.approx(100 * sum(flags) / len(flags), rel=1e-9)


def test_imported_values_are_judged_against_riverton_s_fiscal_years(riverton):
    values = stored("street-satisfaction")
    assert {period: row.value for period, row in values.items()} == {"FY2018": 62.5, "FY2019": 58.0}
    # Riverton's fiscal year starts on 1 July: FY2019 is July 2018 to June 2019.
    assert values["FY2019"].period_start == dt.date(2018, 7, 1)
    assert values["FY2019"].period_end == dt.date(2019, 6, 30)


def test_pages_and_soda_answer_for_riverton(riverton, client):
    _, made = riverton
    for measure in Measure.objects.all():
        response = client.get(measure.get_absolute_url())
        assert response.status_code == 200, measure.slug
    district = Counter(request.district for request in made).most_common(1)[0][0]
    assert client.get(f"/districts/{district}/").status_code == 200
    recorded = Counter(r.neighborhood_id for r in made if r.neighborhood_id)
    identifier = recorded.most_common(1)[0][0]
    slug = neighborhood_name(identifier).lower().replace(" ", "-")
    page = client.get(f"/neighborhoods/{slug}/")
    assert page.status_code == 200
    # The page counts the area's requests by its id, as the rows carry it.
    last = max(request.created.date() for request in made)
    in_window = [
        r
        for r in made
        if r.neighborhood_id == identifier and r.created.date() > last - dt.timedelta(days=365)
    ]
    assert f"{len(in_window):,}" in page.content.decode()
    assert soda(client, **{"$select": "count(*) as n"}) == [{"n": str(len(made))}]
    rows = soda(client, **{"$limit": "5"})
    assert rows and all("address" not in row for row in rows)
