"""Cross-origin reads of the open-data APIs (django-cors-headers, settings.CORS_*)."""

from __future__ import annotations

import pytest

ORIGIN = "https://dashboard.example.org"
API_URLS = [
    "/resource/service-requests.json",
    "/api/views/service-requests.json",
    "/data.json",
    "/api/3/action/package_list",
    "/open311/v2/services.json",
    "/api/v1/measures/",
]


@pytest.mark.parametrize("url", API_URLS)
def test_every_api_answers_a_cross_origin_read(url, requests_dataset, client):
    response = client.get(url, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200, url
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_soda_preflight_allows_the_app_token_and_exposes_its_headers(requests_dataset, client):
    preflight = client.options(
        "/resource/service-requests.json",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-app-token",
    )
    assert preflight.status_code == 200
    assert "x-app-token" in preflight["Access-Control-Allow-Headers"].lower()
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    answer = client.get("/resource/service-requests.json", HTTP_ORIGIN=ORIGIN)
    exposed = {name.strip().lower() for name in answer["Access-Control-Expose-Headers"].split(",")}
    assert {"x-soda2-fields", "x-soda2-types", "etag", "retry-after"} <= exposed


def test_a_rate_limited_answer_still_carries_cors(requests_dataset, client, settings):
    # SODA answers are limited by rows (#18), each counting for at least 1,000.
    settings.CITYSTAT_API_ROWS_ANON = "1000/minute"
    client.get("/resource/service-requests.json", HTTP_ORIGIN=ORIGIN)
    refused = client.get("/resource/service-requests.json", HTTP_ORIGIN=ORIGIN)
    assert refused.status_code == 429
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert "retry-after" in refused["Access-Control-Expose-Headers"].lower()


@pytest.mark.parametrize("url", ["/", "/staff/", "/subscribe/", "/datasets/"])
def test_pages_and_staff_urls_answer_no_cross_origin_request(url, requests_dataset, client):
    response = client.get(url, HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
