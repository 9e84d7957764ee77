"""Open311 GeoReport v2: validated against the official schemas and read by `georeport`."""

import json
from pathlib import Path

from georeport import GeoReport
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).parent / "fixtures" / "open311"
# The real sample is January–February 2020.
WINDOW = "start_date=2020-01-01T00:00:00-06:00&end_date=2020-03-01T00:00:00-06:00"


def validator(name: str) -> Draft4Validator:
    registry = Registry().with_resources(
        (path.name, DRAFT4.create_resource(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    )
    return Draft4Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def test_services_json_is_valid_georeport(client, requests_dataset):
    services = json.loads(client.get("/open311/v2/services.json").content)
    assert list(validator("services.json").iter_errors(services)) == []
    assert {"service_code": "pothole", "service_name": "Pothole"}.items() <= services[0].items()


def test_requests_json_is_valid_and_never_carries_the_withheld_address(client, requests_dataset):
    requests = json.loads(client.get(f"/open311/v2/requests.json?{WINDOW}").content)
    assert len(requests) == 200
    assert list(validator("requests.json").iter_errors(requests)) == []
    assert all("address" not in request for request in requests)
    assert requests[0]["requested_datetime"].endswith("-06:00")


def test_requests_filter_by_status_and_service_code(client, requests_dataset):
    closed = json.loads(client.get(f"/open311/v2/requests.json?{WINDOW}&status=closed").content)
    assert closed and all(r["status"] == "closed" for r in closed)
    by_code = json.loads(
        client.get(f"/open311/v2/requests.json?{WINDOW}&service_code=nothing").content
    )
    assert by_code[0]["code"] == 400, by_code


def test_one_request_is_an_array_of_one_with_a_string_id(client, requests_dataset):
    body = json.loads(client.get("/open311/v2/requests/2020002530.json").content)
    assert len(body) == 1 and body[0]["service_request_id"] == "2020002530"
    assert client.get("/open311/v2/requests/1.json").status_code == 404


def test_the_georeport_client_reads_services_and_requests(
    live_server, requests_dataset, transactional_db
):
    client = GeoReport(live_server.url + "/open311/v2")
    assert client.get_service_list()[0]["service_code"] == "pothole"
    # The client unwraps the one-element array the spec returns.
    assert client.get_service_request("2020002530")["status"] == "closed"
    found = client.get_service_requests(
        service_code="pothole", start_date="2020-02-01T00:00:00-06:00",
        end_date="2020-02-10T00:00:00-06:00",
    )  # fmt: skip
    assert found and all(r["service_code"] == "pothole" for r in found)
