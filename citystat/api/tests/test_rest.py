"""The plan's REST API: public reads with ETags and CORS, token writes within department scope."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openapi_spec_validator import validate

from citystat.accounts.models import ApiToken, AuditEntry
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role
from citystat.accounts.tokens import issue_token, revoke
from citystat.city.models import CityProfile
from citystat.plan.models import Measure, MeasureValue, Narrative, Target
from citystat.plan.review import APPROVE, review
from citystat.plan.testing import build_scoped_measures


@pytest.fixture
def measures(cast, departments):
    CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=5, population=10_000)
    built = build_scoped_measures(departments)
    hidden = Measure.objects.get(pk=built["water"].pk)
    hidden.pk = None
    hidden.slug = "internal-only"
    hidden.is_public = False
    hidden.save()
    return built


def token_client(user, scope: str = ApiToken.Scope.WRITE) -> Client:
    _, key = issue_token(user, "test", scope)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def put_json(client: Client, url: str, data: dict[str, Any]):
    return client.put(url, json.dumps(data), content_type="application/json")


def post_json(client: Client, url: str, data: dict[str, Any]):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_anyone_lists_public_measures_only(measures, client):
    response = client.get("/api/v1/measures/")
    assert response.status_code == 200
    slugs = [row["slug"] for row in response.json()["results"]]
    assert slugs == ["main-breaks-fixed", "potholes-closed"]
    first = response.json()["results"][0]
    assert first["department"] == "water"
    assert first["status"]["status"] == "no_recent_data"
    assert client.get("/api/v1/measures/internal-only/").status_code == 404


def test_measures_filter_by_department_and_words(measures, client):
    by_department = client.get("/api/v1/measures/?department=public-works").json()
    assert [row["slug"] for row in by_department["results"]] == ["potholes-closed"]
    assert client.get("/api/v1/measures/?q=pothole").json()["count"] == 1
    bad = client.get("/api/v1/measures/?goal=first")
    assert bad.status_code == 400 and "goal" in bad.json()
    huge = client.get("/api/v1/measures/?priority_area=5906415772860124495872")
    assert huge.status_code == 400 and "priority_area" in huge.json()
    assert client.get("/api/v1/goals/5906415772860124495872/").status_code == 404


def test_priority_areas_and_goals_link_down_the_plan(measures, client):
    area = client.get("/api/v1/priority-areas/").json()["results"][0]
    assert area["slug"] == "infrastructure" and area["plan"] == "citywide-business-plan"
    goal = client.get(f"/api/v1/goals/{area['goals'][0]['id']}/").json()
    assert goal["measures"] == ["main-breaks-fixed", "potholes-closed"]


def test_reads_carry_cors_and_an_etag_that_answers_304(measures, client):
    origin = "https://dashboard.example.org"
    first = client.get("/api/v1/measures/main-breaks-fixed/", HTTP_ORIGIN=origin)
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["ETag"]
    again = client.get(
        "/api/v1/measures/main-breaks-fixed/", HTTP_IF_NONE_MATCH=first["ETag"], HTTP_ORIGIN=origin
    )
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


def test_values_say_when_they_last_changed(measures, client):
    MeasureValue.objects.create(
        measure=measures["water"],
        period="2025-03",
        period_start="2025-03-01",
        period_end="2025-03-31",
        value=91.0,
    )
    response = client.get("/api/v1/measures/main-breaks-fixed/values/")
    assert response.json()["results"][0]["value"] == 91.0
    assert response["Last-Modified"]
    later = client.get(
        "/api/v1/measures/main-breaks-fixed/values/",
        HTTP_IF_MODIFIED_SINCE=response["Last-Modified"],
    )
    assert later.status_code == 304


def test_a_write_token_uploads_manual_values(measures, bob):
    response = post_json(
        token_client(bob),
        "/api/v1/measures/main-breaks-fixed/values/",
        {"values": [{"period": "2025-03", "value": 88.5, "source_note": "crew logs"}]},
    )
    assert response.status_code == 201, response.content
    saved = MeasureValue.objects.get(measure=measures["water"])
    assert (saved.period, saved.value, saved.origin) == ("2025-03", 88.5, "entered")


def test_a_tokens_change_is_audited_under_its_owner(measures, bob):
    put_json(
        token_client(bob),
        "/api/v1/measures/main-breaks-fixed/narratives/2025-03/",
        {"context": "Cold snap"},
    )
    entry = AuditEntry.objects.filter(object_type="plan.narrative").get()
    assert (entry.action, entry.username) == ("create", "bob")
    assert entry.changes["context"] == [None, "Cold snap"]


def test_bad_values_are_refused_with_the_row_and_the_problem(measures, bob):
    response = post_json(
        token_client(bob),
        "/api/v1/measures/main-breaks-fixed/values/",
        {"values": [{"period": "FY2025", "value": 1, "source_note": "x"}]},
    )
    assert response.status_code == 400
    assert "values[0]" in response.json()["values"][0]
    assert not MeasureValue.objects.exists()


def test_an_editors_token_cannot_write_another_departments_measure(measures, bob):
    client = token_client(bob)
    values = post_json(
        client,
        "/api/v1/measures/potholes-closed/values/",
        {"values": [{"period": "2025-03", "value": 1, "source_note": "x"}]},
    )
    narrative = put_json(
        client, "/api/v1/measures/potholes-closed/narratives/2025-03/", {"context": "Not mine"}
    )
    assert (values.status_code, narrative.status_code) == (403, 403)
    assert not MeasureValue.objects.exists() and not Narrative.objects.exists()


def test_an_editor_writes_their_own_measures_narrative(measures, bob, client):
    response = put_json(
        token_client(bob),
        "/api/v1/measures/main-breaks-fixed/narratives/2025-03/",
        {"context": "Cold snap", "actions": "Two more crews"},
    )
    assert (response.status_code, response.json()["state"]) == (201, "draft")
    assert Narrative.objects.get().author == bob
    # A draft until the performance office approves it (#19): not public before.
    url = "/api/v1/measures/main-breaks-fixed/narratives/2025-03/"
    assert client.get(url).status_code == 404
    alice = User.objects.create_user("alice-api", "alice-api@example.gov", "x" * 20)
    grant_role(alice, Role.PERFORMANCE_STAFF)
    review(Narrative.objects.get(), alice, APPROVE)
    shown = client.get(url).json()
    assert shown["context"] == "Cold snap" and "author" not in shown
    assert shown["state"] == "approved"


def test_reads_need_no_token_and_read_tokens_cannot_write(measures, bob, client):
    anonymous = put_json(client, "/api/v1/measures/main-breaks-fixed/narratives/2025-03/", {})
    read_only = put_json(
        token_client(bob, ApiToken.Scope.READ),
        "/api/v1/measures/main-breaks-fixed/narratives/2025-03/",
        {"context": "x"},
    )
    assert anonymous.status_code == 401
    assert read_only.status_code == 403


def test_a_revoked_token_is_refused_even_for_reads(measures, bob):
    token, key = issue_token(bob, "old")
    revoke(token)
    response = Client(HTTP_X_APP_TOKEN=key).get("/api/v1/measures/")
    assert response.status_code in (401, 403)


def test_targets_need_the_performance_office_and_a_reason_to_change(measures, alice, bob):
    url = "/api/v1/measures/main-breaks-fixed/targets/2026/"
    assert put_json(token_client(bob), url, {"value": 95}).status_code == 403
    office = token_client(alice)
    assert put_json(office, url, {"value": 95, "tolerance": 2}).status_code == 201
    refused = put_json(office, url, {"value": 90, "tolerance": 2})
    assert refused.status_code == 400 and "change_reason" in refused.json()
    changed = put_json(office, url, {"value": 90, "tolerance": 2, "change_reason": "Budget cut"})
    assert changed.status_code == 200
    assert Target.objects.get().value == 90


def test_anonymous_callers_are_limited_per_address_and_tokens_get_more(measures, bob, settings):
    settings.CITYSTAT_API_RATE_ANON = "2/minute"
    settings.CITYSTAT_API_RATE_TOKEN = "4/minute"
    anonymous = Client()
    codes = [anonymous.get("/api/v1/measures/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = anonymous.get("/api/v1/measures/")
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "too_many_requests"
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    with_token = token_client(bob, ApiToken.Scope.READ)
    assert [with_token.get("/api/v1/goals/").status_code for _ in range(5)] == [200] * 4 + [429]


@pytest.mark.parametrize(
    "url",
    [
        "/resource/service-requests.json",
        "/api/views/service-requests.json",
        "/api/3/action/package_list",
        "/open311/v2/services.json",
    ],
)
def test_every_api_shares_the_limit(url, db, settings):
    settings.CITYSTAT_API_RATE_ANON = "1/minute"
    # SODA answers are limited by the rows they hold, each counting for 1,000 at least.
    settings.CITYSTAT_API_ROWS_ANON = "1000/minute"
    client = Client()
    client.get(url)
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert refused.json()["error"] is True


@pytest.mark.parametrize(
    "url",
    [
        "/downloads/service-requests.csv",
        "/downloads/service-requests/datapackage.json",
        "/data.json",
    ],
)
def test_downloads_and_the_data_catalog_share_the_limit(url, db, settings):
    # #16: four parallel whole-dataset downloads took the site down; they count with SODA.
    settings.CITYSTAT_API_RATE_ANON = "1/minute"
    client = Client()
    client.get("/resource/service-requests.json")
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1


def test_socrata_app_tokens_lift_the_limit_on_soda(db, bob, settings):
    settings.CITYSTAT_API_RATE_ANON = "1/minute"
    _, key = issue_token(bob, "sodapy")
    client = Client(HTTP_X_APP_TOKEN=key)
    codes = [client.get("/api/3/action/package_list").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert (
        Client(HTTP_X_APP_TOKEN="cst_forged").get("/api/3/action/package_list").status_code == 403
    )


def test_the_openapi_document_is_valid(db, client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    assert "/api/v1/measures/{slug}/values/" in document["paths"]


def test_the_docs_page_loads_its_scripts_from_this_site(db, client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_docs_script_is_a_file_that_loads_the_local_schema(db, client):
    html = client.get("/api/docs").content.decode()
    script_url = re.search(r'<script src="([^"]*script[^"]*)"', html)
    assert script_url is not None
    script = client.get(script_url[1].replace("&amp;", "&"))
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    body = script.content.decode()
    assert "SwaggerUIBundle" in body and "/api/schema" in body


def test_a_cors_preflight_allows_reads_and_the_app_token_header(measures, client):
    response = client.options(
        "/api/v1/measures/",
        HTTP_ORIGIN="https://dashboard.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-app-token",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "x-app-token" in response["Access-Control-Allow-Headers"].lower()
    assert "PUT" not in response["Access-Control-Allow-Methods"]


def test_a_narrative_for_a_made_up_period_is_refused_and_nothing_is_stored(measures, bob):
    response = put_json(
        token_client(bob),
        "/api/v1/measures/main-breaks-fixed/narratives/zzzz-not-a-period/",
        {"context": "Made up"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "period": [
            "measure 'main-breaks-fixed': the narrative's period 'zzzz-not-a-period' is not "
            "a month such as 2026-10, as the measure is reported by month."
        ]
    }
    assert not Narrative.objects.exists()
