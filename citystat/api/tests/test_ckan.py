"""The CKAN Action API, with the unmodified `ckanapi` client (RemoteCKAN and its CLI).

Answers are checked against independent computations: hand-written SQL on the warehouse
for the DataStore, the fixture's own facts for packages and facets.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ckanapi import NotFound, RemoteCKAN, SearchQueryError, ValidationError
from django.utils import timezone

from citystat.api import ckan_datastore
from citystat.api.soda import four_by_four
from citystat.catalog import exports, warehouse
from citystat.catalog.exports import build_exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import Department
from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://data.example-city.gov"
RID = four_by_four("service-requests") + "-csv"
PACKAGE_KEYS = {
    "author", "author_email", "creator_user_id", "extras", "groups", "id", "isopen",
    "license_id", "license_title", "license_url", "maintainer", "maintainer_email",
    "metadata_created", "metadata_modified", "name", "notes", "num_resources", "num_tags",
    "organization", "owner_org", "private", "relationships_as_object",
    "relationships_as_subject", "resources", "state", "tags", "title", "type", "url", "version",
}  # fmt: skip
RESOURCE_KEYS = {
    "cache_last_updated", "cache_url", "created", "datastore_active", "description", "format",
    "hash", "id", "last_modified", "metadata_modified", "mimetype", "mimetype_inner", "name",
    "package_id", "position", "resource_type", "size", "state", "url", "url_type",
}  # fmt: skip


@pytest.fixture
def catalog(requests_dataset, settings):
    settings.CITYSTAT_SITE_URL = SITE
    settings.CITYSTAT_API_RATE_ANON = "10000/minute"
    water = Department.objects.create(code="water", name="Water Services")
    works = Department.objects.create(code="public-works", name="Public Works")
    Dataset.objects.filter(pk=requests_dataset.pk).update(
        department=works, tags=["311", "streets"], contact_email="open@example-city.gov"
    )
    for slug, title, department, tags in [
        ("water-main-breaks", "Water main breaks", water, ["water"]),
        ("potholes", "Pothole repairs", works, ["streets"]),
        ("street-sweeping", "Street sweeping routes", works, ["streets", "cleaning"]),
    ]:
        Dataset.objects.create(
            slug=slug, title=title, department=department, tags=tags, is_public=True,
            table_schema={"fields": [{"name": "id", "type": "integer"}]},
        )  # fmt: skip
    Dataset.objects.create(slug="hr-cases", title="HR cases", table_schema={}, is_public=False)
    plan = Plan.objects.create(
        slug="plan", title="Plan", first_fiscal_year=2025, last_fiscal_year=2027, is_current=True
    )
    area = PriorityArea.objects.create(plan=plan, slug="infrastructure", title="Infrastructure")
    goal = Goal.objects.create(priority_area=area, slug="streets", title="Good streets")
    objective = Objective.objects.create(goal=goal, title="Fix potholes fast")
    Measure.objects.create(
        objective=objective, slug="pothole-days", title="Days to fix a pothole",
        definition="d", unit="days", direction="lower", frequency="month",
        dataset=requests_dataset,
    )  # fmt: skip
    build_exports()
    return requests_dataset


@pytest.fixture
def ckan(live_server, catalog):
    with RemoteCKAN(live_server.url, user_agent="citystat-tests") as remote:
        yield remote


def warehouse_rows(sql: str) -> list[tuple[Any, ...]]:
    with warehouse._connect() as connection:
        return connection.execute(sql).fetchall()


def test_package_show_has_the_keys_ckan_2_10_returns(ckan, catalog):
    package = ckan.action.package_show(id="service-requests")
    assert package.keys() >= PACKAGE_KEYS
    assert package["id"] == four_by_four("service-requests")
    assert package["license_id"] == "odc-pddl" and package["isopen"] is True
    assert package["maintainer_email"] == "open@example-city.gov"
    assert package["owner_org"] == "public-works"
    assert package["organization"]["title"] == "Public Works"
    assert [g["name"] for g in package["groups"]] == ["infrastructure"]
    assert package["url"] == f"{SITE}/datasets/service-requests/"
    assert {"key": "row_count", "value": "200"} in package["extras"]
    assert all(isinstance(extra["value"], str) for extra in package["extras"])
    formats = [r["format"] for r in package["resources"]]
    assert formats == ["CSV", "JSON", "Parquet", "GeoJSON"]
    assert package["num_resources"] == 4 and package["num_tags"] == 2
    version = catalog.latest_version
    for resource in package["resources"]:
        assert resource.keys() >= RESOURCE_KEYS
        extension = resource["id"].rsplit("-", 1)[1]
        path = exports.export_file("service-requests", version.number, extension)
        assert resource["size"] == path.stat().st_size
        assert resource["url"] == f"{SITE}/downloads/service-requests.{extension}"
        assert resource["datastore_active"] is True
    assert package["resources"][0]["mimetype"] == "text/csv"


def test_a_dataset_without_a_published_version_lists_no_dead_links(ckan):
    package = ckan.action.package_show(id="potholes")
    assert package["resources"] == [] and package["num_resources"] == 0
    assert package["version"] is None
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id="potholes")


def test_package_search_sorts_by_id_and_pages_without_gaps(ckan):
    ids = sorted(four_by_four(d.slug) for d in Dataset.objects.filter(is_public=True))
    seen = []
    for start in range(0, 6, 2):
        page = ckan.action.package_search(sort="id asc", rows=2, start=start)
        assert page["count"] == 4
        seen += [p["id"] for p in page["results"]]
    assert seen == ids


def test_package_search_filters_by_metadata_modified_since(ckan, catalog):
    old = timezone.now() - dt.timedelta(days=400)
    Dataset.objects.filter(slug__in=["potholes", "street-sweeping"]).update(updated_at=old)
    since = (timezone.now() - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    found = ckan.action.package_search(fq=f"(metadata_modified:[{since} TO *])", rows=100)
    assert sorted(p["name"] for p in found["results"]) == ["service-requests", "water-main-breaks"]
    before = ckan.action.package_search(fq=f"metadata_modified:[* TO {since}]")
    assert sorted(p["name"] for p in before["results"]) == ["potholes", "street-sweeping"]


def test_package_search_q_tags_organizations_and_negation(ckan):
    def names(**query):
        return sorted(p["name"] for p in ckan.action.package_search(rows=100, **query)["results"])

    assert names(q="tags:streets") == ["potholes", "service-requests", "street-sweeping"]
    assert names(fq="(organization:water OR organization:nobody)") == ["water-main-breaks"]
    assert names(fq="-organization:public-works") == ["water-main-breaks"]
    assert names(q="sweeping") == ["street-sweeping"]
    assert names(fq="groups:infrastructure") == ["service-requests"]
    assert names(fq="res_format:CSV") == ["service-requests"]
    assert names(q="*:*") == names() == names(fq="+dataset_type:dataset")


def test_package_search_facets_count_what_was_found(ckan):
    found = ckan.action.package_search(
        q="*:*", **{"facet.field": json.dumps(["organization", "tags", "res_format"])}
    )
    public = Dataset.objects.filter(is_public=True)
    tags = Counter(tag for dataset in public for tag in dataset.tags)
    assert found["facets"]["tags"] == dict(tags)
    assert found["facets"]["organization"] == {"public-works": 3, "water": 1}
    assert found["facets"]["res_format"] == {"CSV": 1, "JSON": 1, "Parquet": 1, "GeoJSON": 1}
    items = found["search_facets"]["organization"]["items"]
    assert {"name": "water", "display_name": "Water Services", "count": 1} in items


def test_a_query_outside_the_supported_subset_is_a_search_query_error(ckan):
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="secret_field:x")
    with pytest.raises(ValidationError):
        ckan.action.package_search(sort="random asc")
    with pytest.raises(ValidationError):
        ckan.action.package_search(qf="title^2")


def test_organizations_groups_tags_and_site(ckan):
    assert ckan.action.organization_list() == ["public-works", "water"]
    full = ckan.action.organization_list(all_fields=True, sort="package_count desc")
    assert [(o["name"], o["package_count"]) for o in full] == [("public-works", 3), ("water", 1)]
    org = ckan.action.organization_show(id="water", include_datasets=True)
    assert org["is_organization"] and [p["name"] for p in org["packages"]] == ["water-main-breaks"]
    assert ckan.action.group_list() == ["infrastructure"]
    group = ckan.action.group_show(id="infrastructure", include_datasets=True)
    assert [p["name"] for p in group["packages"]] == ["service-requests"]
    assert ckan.action.tag_list() == ["311", "cleaning", "streets", "water"]
    assert ckan.action.tag_list(query="str") == ["streets"]
    assert ckan.action.site_read() is True
    assert ckan.action.status_show()["site_url"] == SITE
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="nobody")


def test_resource_show_and_current_package_list_with_resources(ckan):
    resource = ckan.action.resource_show(id=RID)
    assert resource["format"] == "CSV" and resource["package_id"] == RID[:-4]
    with pytest.raises(NotFound):
        ckan.action.resource_show(id=RID[:-4] + "-exe")
    listed = ckan.action.current_package_list_with_resources(limit=2)
    modified = [p["metadata_modified"] for p in listed]
    assert len(listed) == 2 and modified == sorted(modified, reverse=True)
    assert len(ckan.action.current_package_list_with_resources(limit=2, page=2)) == 2


def test_a_private_dataset_is_not_found_anywhere(ckan):
    with pytest.raises(NotFound):
        ckan.action.package_show(id="hr-cases")
    assert "hr-cases" not in ckan.action.package_list()
    assert ckan.action.package_search(q="HR")["count"] == 0


def test_datastore_search_matches_the_warehouse(ckan):
    answer = ckan.action.datastore_search(
        resource_id=RID,
        filters={"status": "OPEN"},
        sort="days_to_close desc, case_id asc",
        fields=["case_id", "status", "days_to_close"],
        limit=5,
        offset=2,
    )
    expected = warehouse_rows(
        "select case_id, status, days_to_close from ds_service_requests where status = 'OPEN' "
        "order by days_to_close desc nulls last, case_id limit 5 offset 2"
    )
    assert [tuple(r.values()) for r in answer["records"]] == expected
    (total,) = warehouse_rows("select count(*) from ds_service_requests where status = 'OPEN'")
    assert answer["total"] == total[0]
    assert [(f["id"], f["type"], f["info"]["label"]) for f in answer["fields"]] == [
        ("case_id", "int", "Case ID"),
        ("status", "text", "Status"),
        ("days_to_close", "int", "Days to close"),
    ]


def test_datastore_search_q_and_default_limit(ckan):
    answer = ckan.action.datastore_search(resource_id=RID, q="Pothole")
    (total,) = warehouse_rows(
        "select count(*) from ds_service_requests where "
        "concat_ws(' ', source, department, work_group, request_type, category, type, detail, "
        "status, neighborhood, police_district) ilike '%pothole%'"
    )
    assert answer["total"] == total[0] > 0
    assert len(ckan.action.datastore_search(resource_id=RID)["records"]) == 100


@pytest.mark.parametrize("name", ["street_address", "no_such_thing"])
def test_a_withheld_field_is_no_such_column_everywhere(ckan, name):
    calls = [
        {"filters": {name: "x"}},
        {"fields": [name]},
        {"sort": f"{name} asc"},
    ]
    for call in calls:
        with pytest.raises(ValidationError) as refused:
            ckan.action.datastore_search(resource_id=RID, **call)
        assert f"no such column: {name}" in str(refused.value)
    for sql in [
        f'SELECT {name} FROM "{RID}"',
        f'SELECT case_id FROM "{RID}" WHERE {name} IS NOT NULL',
        f'SELECT count(*) FROM "{RID}" GROUP BY {name}',
    ]:
        with pytest.raises(ValidationError) as refused:
            ckan.action.datastore_search_sql(sql=sql)
        assert f"no such column: {name}" in str(refused.value)


def test_no_answer_carries_a_withheld_value(ckan):
    everything = ckan.action.datastore_search(resource_id=RID, limit=1000)
    assert all("street_address" not in record for record in everything["records"])
    assert "street_address" not in [f["id"] for f in everything["fields"]]
    star = ckan.action.datastore_search_sql(sql=f'SELECT * FROM "{RID}"')
    assert "street_address" not in [f["id"] for f in star["fields"]]
    addresses = {row[0] for row in warehouse_rows("select street_address from ds_service_requests")}
    values = {v for record in star["records"] for v in record.values()}
    assert not (addresses - {None}) & values


def test_datastore_search_sql_answers_through_the_soql_parser(ckan):
    answer = ckan.action.datastore_search_sql(
        sql=f'SELECT status, count(*) AS n FROM "{RID}" WHERE council_district = 3 '
        "GROUP BY status ORDER BY status"
    )
    expected = warehouse_rows(
        "select status, count(*) from ds_service_requests where council_district = 3 "
        "group by status order by status"
    )
    assert [(r["status"], r["n"]) for r in answer["records"]] == expected
    everything = ckan.action.datastore_search_sql(sql=f'SELECT case_id FROM "{RID}"')
    assert len(everything["records"]) == 200 and "records_truncated" not in everything


def test_datastore_search_sql_says_when_it_truncates(ckan, monkeypatch):
    monkeypatch.setattr(ckan_datastore, "ROWS_MAX", 50)
    answer = ckan.action.datastore_search_sql(sql=f'SELECT case_id FROM "{RID}"')
    assert len(answer["records"]) == 50 and answer["records_truncated"] is True


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ('DELETE FROM "{rid}"', ValidationError),
        ('SELECT 1; DROP TABLE "{rid}"', ValidationError),
        ('SELECT * FROM "{rid}" JOIN "{rid}" USING (case_id)', ValidationError),
        ('SELECT * FROM (SELECT * FROM "{rid}") AS t', ValidationError),
        ("SELECT * FROM read_csv('/etc/passwd')", ValidationError),
        ('SELECT * FROM "{rid}" AS t', ValidationError),
        ('SELECT case_id FROM "{rid}" WHERE sleep(10) IS NULL', ValidationError),
        # The warehouse's own table name is not a resource.
        ("SELECT * FROM ds_service_requests", NotFound),
    ],
)
def test_datastore_search_sql_refuses_anything_but_one_select(ckan, sql, refusal):
    with pytest.raises(refusal):
        ckan.action.datastore_search_sql(sql=sql.format(rid=RID))


def test_errors_come_in_ckans_shape(client, catalog):
    body = json.loads(client.get("/api/3/action/package_show?id=nothing").content)
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error"
    response = client.get("/api/3/action/package_search?rows=lots")
    body = json.loads(response.content)
    assert response.status_code == 409
    assert body["error"]["__type"] == "Validation Error" and "rows" in body["error"]["message"]
    assert client.get("/api/3/action/package_delete").status_code == 404


def test_get_without_the_3_prefix_works_too(client, catalog):
    body = json.loads(client.get("/api/action/package_list").content)
    assert body["success"] is True and len(body["result"]) == 4


def test_urls_never_come_from_the_host_header(client, catalog, settings):
    settings.ALLOWED_HOSTS = ["*"]
    body = json.loads(
        client.get(
            "/api/3/action/package_show?id=service-requests", HTTP_HOST="evil.example"
        ).content
    )
    text = json.dumps(body["result"])
    assert "evil.example" not in text and f"{SITE}/downloads/" in text


def run_ckanapi(*arguments: str, remote: str, cwd: Path) -> list[Any]:
    """Run the ckanapi command line as a user would; return the JSON lines it wrote."""
    bin_folder = str(Path(sys.executable).parent)
    environment = {**os.environ, "PATH": bin_folder + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(
        [str(Path(bin_folder) / "ckanapi"), *arguments, "-r", remote, "-O", "out.jsonl"],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in (cwd / "out.jsonl").read_text().splitlines()]


def test_ckanapi_dump_datasets_and_organizations(live_server, catalog, tmp_path):
    datasets = run_ckanapi("dump", "datasets", "--all", remote=live_server.url, cwd=tmp_path)
    assert sorted(d["name"] for d in datasets) == [
        "potholes", "service-requests", "street-sweeping", "water-main-breaks",
    ]  # fmt: skip
    dumped = next(d for d in datasets if d["name"] == "service-requests")
    assert len(dumped["resources"]) == 4
    organizations = run_ckanapi(
        "dump", "organizations", "--all", remote=live_server.url, cwd=tmp_path
    )
    assert sorted((o["name"], o["title"]) for o in organizations) == [
        ("public-works", "Public Works"), ("water", "Water Services"),
    ]  # fmt: skip


def test_datastore_total_works_on_a_dataset_with_a_total_column(client, catalog, tmp_path):
    source = tmp_path / "budget.csv"
    source.write_text("line,total\n1,10.5\n2,20\n3,\n")
    budget = Dataset.objects.create(
        slug="budget-lines", title="Budget lines", is_public=True,
        table_schema={"fields": [{"name": "line", "type": "integer"},
                                 {"name": "total", "type": "number"}]},
    )  # fmt: skip
    ingest(budget, source)
    query = json.dumps({"line": 2})
    body = json.loads(
        client.get(
            f"/api/3/action/datastore_search?resource_id=budget-lines&filters={query}"
        ).content
    )
    assert body["success"], body
    assert body["result"]["total"] == 1 and body["result"]["records"] == [
        {"line": 2, "total": 20.0}
    ]
