"""Open311 GeoReport v2: validated against the official schemas and read by `georeport`."""

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import pandas as pd
import pytest
import time_machine
from django.test import Client
from georeport import GeoReport
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from citystat.api.open311 import CLOSED_STATUSES, MAX_REQUESTS, OPEN_STATUSES
from citystat.api.tests.conftest import KC_SAMPLE
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.presets import SERVICE_REQUESTS_SCHEMA

SCHEMAS = Path(__file__).parent / "fixtures" / "open311"
# The real sample is January–February 2020.
WINDOW = "start_date=2020-01-01T00:00:00-06:00&end_date=2020-03-01T00:00:00-06:00"
# Case 2020002530 was opened on 7 January 2020 at 12:59 PM, Kansas City time (UTC-06:00).
CASE = "2020002530"


def validator(name: str) -> Draft4Validator:
    registry = Registry().with_resources(
        (path.name, DRAFT4.create_resource(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    )
    return Draft4Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def get_json(client, url: str):
    return json.loads(client.get(url).content)


def found_ids(client, **parameters) -> set[str]:
    body = get_json(client, f"/open311/v2/requests.json?{urlencode(parameters)}")
    assert isinstance(body, list) and all("service_request_id" in r for r in body), body
    return {request["service_request_id"] for request in body}


def test_services_json_is_valid_georeport(client, requests_dataset):
    services = get_json(client, "/open311/v2/services.json")
    assert list(validator("services.json").iter_errors(services)) == []
    assert {"service_code": "pothole", "service_name": "Pothole"}.items() <= services[0].items()


def test_requests_json_is_valid_and_never_carries_the_withheld_address(client, requests_dataset):
    response = client.get(f"/open311/v2/requests.json?{WINDOW}")
    requests = json.loads(response.content)
    assert len(requests) == 200
    assert list(validator("requests.json").iter_errors(requests)) == []
    assert all("address" not in request for request in requests)
    assert requests[0]["requested_datetime"].endswith("-06:00")
    assert b"4900 E 63rd St" not in response.content


def test_requests_filter_by_status_and_service_code(client, requests_dataset):
    closed = get_json(client, f"/open311/v2/requests.json?{WINDOW}&status=closed")
    assert closed and all(r["status"] == "closed" for r in closed)
    by_code = get_json(client, f"/open311/v2/requests.json?{WINDOW}&service_code=nothing")
    assert by_code[0]["code"] == 400, by_code
    assert "service_code 'nothing'" in by_code[0]["description"]


def test_one_request_is_an_array_of_one_with_a_string_id(client, requests_dataset):
    body = get_json(client, f"/open311/v2/requests/{CASE}.json")
    assert len(body) == 1 and body[0]["service_request_id"] == CASE
    assert list(validator("requests.json").iter_errors(body)) == []
    assert client.get("/open311/v2/requests/1.json").status_code == 404


# start_date and end_date are instants ------------------------------------------------


# (start_date, end_date, whether case 2020002530 falls between them)
INSTANT_WINDOWS = [
    ("2020-01-07T12:00:00-06:00", "2020-01-07T12:59:00-06:00", True),
    ("2020-01-07T12:59:01-06:00", "2020-01-07T23:59:00-06:00", False),
    ("2020-01-07T00:00:00-06:00", "2020-01-07T12:58:59-06:00", False),
    # The same instant in other offsets.
    ("2020-01-07T18:59:00Z", "2020-01-07T19:00:00Z", True),
    ("2020-01-07T19:00:00Z", "2020-01-07T20:00:00Z", False),
    ("2020-01-08T00:29:00+05:30", "2020-01-08T00:30:00+05:30", True),
    # Without an offset: the city's wall clock.
    ("2020-01-07T12:59:00", "2020-01-07T13:00:00", True),
    ("2020-01-07T13:00:00", "2020-01-07T14:00", False),
]


def test_the_window_compares_instants_not_days(client, requests_dataset):
    # One dataset for every window: loading the sample is the slow part of each test.
    found = {
        (start, end): CASE in found_ids(client, start_date=start, end_date=end)
        for start, end, _ in INSTANT_WINDOWS
    }
    assert found == {(start, end): included for start, end, included in INSTANT_WINDOWS}


def test_an_offset_typed_unencoded_into_the_url_still_counts(client, requests_dataset):
    # "+05:30" typed raw in a URL arrives as " 05:30"; it can only mean +05:30.
    url = "/open311/v2/requests.json?start_date=2020-01-08T00:29:00+05:30"
    body = get_json(client, url + "&end_date=2020-01-08T00:30:00+05:30")
    assert [request["service_request_id"] for request in body] == [CASE]


def test_the_window_returns_exactly_the_rows_pandas_finds(client, requests_dataset):
    sample = pd.read_csv(KC_SAMPLE, encoding="utf-8-sig")
    local = pd.to_datetime(
        sample["CREATION DATE"] + " " + sample["CREATION TIME"], format="%m/%d/%y %I:%M %p"
    )
    requested = local.dt.tz_localize("America/Chicago")
    end = "2020-02-05T09:15:00-06:00"
    for start in (
        "2020-01-08T00:00:00+05:30",
        "2020-01-20T08:30:00-04:00",
        "2020-01-31T17:45:00Z",
        "2020-01-15T06:00:00",
        "2020-02-04T23:59:59.5-06:00",
    ):
        low = pd.Timestamp(start)
        low = low if low.tzinfo else low.tz_localize("America/Chicago")
        between = (requested >= low) & (requested <= pd.Timestamp(end))
        expected = set(sample.loc[between, "CASE ID"].astype(str))
        assert 0 < len(expected) < 200, start
        assert found_ids(client, start_date=start, end_date=end) == expected, start


def test_a_date_that_is_not_a_w3c_date_time_is_refused(client, requests_dataset):
    for name, value in [
        ("start_date", "2020-01-07"),
        ("start_date", "2020-01-07 12:00"),
        ("end_date", "yesterday"),
        ("end_date", "2020-13-01T00:00:00Z"),
        ("start_date", "20200107T120000Z"),
    ]:
        response = client.get(f"/open311/v2/requests.json?{urlencode({name: value})}")
        assert response.status_code == 400, value
        [error] = json.loads(response.content)
        assert error["code"] == 400
        assert f"{name} {value!r} is not a W3C date-time" in error["description"]
        assert "2020-05-01T13:00:00-05:00" in error["description"]


def test_a_window_longer_than_90_days_is_refused_not_shortened(client, requests_dataset):
    query = "start_date=2020-01-01T00:00:00Z&end_date=2020-04-01T00:00:01Z"
    [error] = get_json(client, f"/open311/v2/requests.json?{query}")
    assert error["code"] == 400 and "more than 90 days" in error["description"]


def test_a_window_ending_before_it_starts_is_refused(client, requests_dataset):
    query = "start_date=2020-02-01T00:00:00Z&end_date=2020-01-01T00:00:00Z"
    [error] = get_json(client, f"/open311/v2/requests.json?{query}")
    assert error["code"] == 400 and "is after end_date" in error["description"]


def test_without_dates_the_last_90_days_are_read(client, requests_dataset):
    # The newest sample request is from 19 February 2020.
    with time_machine.travel("2020-05-19 12:00 -05:00", tick=False):
        recent = found_ids(client)
    with time_machine.travel("2020-05-20 12:00 -05:00", tick=False):
        later = found_ids(client)
    assert "2020025024" in recent and "2020025024" not in later


def test_a_start_date_alone_reads_the_90_days_after_it(client, requests_dataset):
    assert len(found_ids(client, start_date="2019-12-01T00:00:00-06:00")) == 200
    assert found_ids(client, start_date="2019-10-01T00:00:00-06:00") == set()


def test_service_request_id_overrides_every_other_parameter(client, requests_dataset):
    assert found_ids(client, service_request_id=CASE, status="open", end_date="2010") == {CASE}


def test_requests_answer_at_most_1000_newest_first(client, db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    rows = [
        {"case_id": n, "type": "Pothole", "department": "Public Works", "status": "OPEN",
         "created_date": f"2020-01-{1 + n % 28:02d}", "created_time": f"{n % 24:02d}:00:00"}
        for n in range(1, MAX_REQUESTS + 6)
    ]  # fmt: skip
    publish(rows, tmp_path)
    body = get_json(client, f"/open311/v2/requests.json?{WINDOW}")
    assert MAX_REQUESTS == 1000 and len(body) == 1000
    times = [request["requested_datetime"] for request in body]
    assert times == sorted(times, reverse=True)


def test_a_window_across_daylight_saving_time_uses_each_day_s_offset(
    client, db, settings, tmp_path
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    # Clocks went forward in Kansas City on 8 March 2020: 09:00 is 15:00Z before, 14:00Z after.
    rows = [
        {"case_id": case, "type": "Pothole", "department": "Public Works", "status": "OPEN",
         "created_date": day, "created_time": "09:00:00"}
        for case, day in ((1, "2020-03-07"), (2, "2020-03-09"))
    ]  # fmt: skip
    publish(rows, tmp_path)
    window = {"start_date": "2020-03-01T00:00:00Z", "end_date": "2020-03-10T00:00:00Z"}
    body = get_json(client, f"/open311/v2/requests.json?{urlencode(window)}")
    assert [r["requested_datetime"] for r in body] == [
        "2020-03-09T09:00:00-05:00",
        "2020-03-07T09:00:00-06:00",
    ]
    after = found_ids(client, start_date="2020-03-09T14:00:00Z", end_date="2020-03-09T14:00Z")
    before = found_ids(client, start_date="2020-03-07T15:00:00Z", end_date="2020-03-07T15:00Z")
    assert (after, before) == ({"2"}, {"1"})


def test_a_datetime_created_date_carries_its_own_time_of_day(client, db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    rows = [
        {"case_id": 1, "type": "Pothole", "department": "Public Works", "status": "OPEN",
         "created_date": "2020-03-07T09:00:00", "created_time": "23:59:00"},
        {"case_id": 2, "type": "Pothole", "department": "Public Works", "status": "RESOL",
         "created_date": "2020-03-09T09:30:15", "closed_date": "2020-03-10T14:45:00"},
    ]  # fmt: skip
    publish(rows, tmp_path, datetimes=True)
    window = {"start_date": "2020-03-01T00:00:00Z", "end_date": "2020-03-11T00:00:00Z"}
    body = get_json(client, f"/open311/v2/requests.json?{urlencode(window)}")
    assert list(validator("requests.json").iter_errors(body)) == []
    assert [(r["requested_datetime"], r["updated_datetime"]) for r in body] == [
        ("2020-03-09T09:30:15-05:00", "2020-03-10T14:45:00-05:00"),
        ("2020-03-07T09:00:00-06:00", None),
    ]
    # 09:30:15 in Kansas City on 9 March is 14:30:15Z: the window is to the second.
    assert found_ids(client, start_date="2020-03-09T14:30:15Z", end_date="2020-03-09T15:00Z") == {
        "2"
    }
    assert found_ids(client, start_date="2020-03-09T14:30:16Z", end_date="2020-03-09T15:00Z") == (
        set()
    )
    assert found_ids(client, start_date="2020-03-07T14:59Z", end_date="2020-03-07T15:00Z") == {"1"}


# Statuses --------------------------------------------------------------------------


def publish(
    rows: list[dict[str, Any]],
    tmp_path: Path,
    withheld=("street_address",),
    datetimes=False,
    groups=None,
):
    """Publish `rows` as the 311 dataset, under the preset's schema without its status enum.

    With `datetimes`, the created and closed dates are ISO datetimes. `groups` replaces the
    status field's groups; without it the field has none, so the built-in lists decide.
    """
    fields = copy.deepcopy(cast(list[dict[str, Any]], SERVICE_REQUESTS_SCHEMA["fields"]))
    for spec in fields:
        spec.get("constraints", {}).pop("enum", None)
        spec.pop("groups", None)
        if spec["name"] == "status" and groups:
            spec["groups"] = groups
        spec["public"] = spec["name"] not in withheld
        if datetimes and spec["name"] in ("created_date", "closed_date"):
            spec.update(type="datetime", format="default")
    dataset = Dataset.objects.create(
        slug="service-requests",
        title="311 service requests",
        table_schema={"fields": fields, "primaryKey": ["case_id"]},
        is_public=True,
    )
    names = [spec["name"] for spec in fields]
    frame = pd.DataFrame([{name: row.get(name) for name in names} for row in rows])
    path = tmp_path / "requests.csv"
    frame.to_csv(path, index=False)
    ingest(dataset, path)
    return dataset


STATUS_ROWS = [
    # (case, status in the export, closed date, GeoReport status)
    (1, "OPEN", None, "open"),
    (2, "ASSIG", None, "open"),
    (3, "INPROG", None, "open"),
    (4, "RESOL", "2020-01-09", "closed"),
    (5, "RESOL", None, "closed"),
    (6, "CANC", "2020-01-09", "closed"),
    (7, "DUP", None, "closed"),
    (8, " resol ", None, "closed"),
    (9, "OPEN", "2020-01-05", "open"),  # reopened: the status wins over an old date
    (10, "SOMETHING NEW", "2020-01-09", "closed"),
    (11, "SOMETHING NEW", None, "open"),
    (12, None, None, "open"),
    (13, None, "2020-01-09", "closed"),
]


@pytest.fixture
def statuses_dataset(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    rows = [
        {"case_id": case, "type": "Pothole", "department": "Public Works", "status": status,
         "created_date": "2020-01-08", "created_time": "09:00:00", "closed_date": closed}
        for case, status, closed, _ in STATUS_ROWS
    ]  # fmt: skip
    return publish(rows, tmp_path)


def test_every_status_is_mapped_to_open_or_closed_by_the_documented_rule(client, statuses_dataset):
    body = get_json(client, f"/open311/v2/requests.json?{WINDOW}")
    mapped = {int(request["service_request_id"]): request["status"] for request in body}
    assert mapped == {case: expected for case, _, _, expected in STATUS_ROWS}
    assert list(validator("requests.json").iter_errors(body)) == []
    # The dataset's own word is kept beside the mapped one.
    notes = {request["service_request_id"]: request["status_notes"] for request in body}
    assert notes["7"] == "DUP" and notes["12"] is None


def test_status_filters_split_the_requests_by_the_same_rule(client, statuses_dataset):
    opened = found_ids(client, start_date="2020-01-01T00:00:00Z", status="open")
    closed = found_ids(client, start_date="2020-01-01T00:00:00Z", status="closed")
    both = found_ids(client, start_date="2020-01-01T00:00:00Z", status="open,closed")
    assert opened == {str(case) for case, _, _, status in STATUS_ROWS if status == "open"}
    assert closed == {str(case) for case, _, _, status in STATUS_ROWS if status == "closed"}
    assert both == opened | closed and len(both) == len(STATUS_ROWS)
    twice = get_json(client, f"/open311/v2/requests.json?{WINDOW}&status=open&status=closed")
    assert len(twice) == len(STATUS_ROWS)


def test_an_unknown_status_filter_is_refused_by_name(client, statuses_dataset):
    [error] = get_json(client, f"/open311/v2/requests.json?{WINDOW}&status=resolved")
    assert error == {
        "code": 400,
        "description": "status 'resolved' is not a GeoReport status; give open, closed or "
        "both separated by a comma.",
    }


def test_a_datasets_own_status_groups_decide_open_and_closed_before_the_built_in_lists(
    client, db, settings, tmp_path
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    rows = [
        {"case_id": case, "type": "Pothole", "department": "Public Works", "status": status,
         "created_date": "2020-01-08", "created_time": "09:00:00", "closed_date": closed}
        for case, status, closed in ((1, "Waiting", "2020-01-09"), (2, "Withdrawn", None),
                                     (3, "Fixed", None), (4, "Merged", None), (5, "OPEN", None))
    ]  # fmt: skip
    groups = {
        "open": ["Waiting", "OPEN"],
        "closed": ["Fixed"],
        "cancelled": ["Withdrawn"],
        "duplicate": ["Merged"],
    }
    publish(rows, tmp_path, groups=groups)
    body = get_json(client, f"/open311/v2/requests.json?{WINDOW}")
    mapped = {int(request["service_request_id"]): request["status"] for request in body}
    # Without the groups, "Waiting" (closed date set) would read closed and the other
    # three unknown words open.
    assert mapped == {1: "open", 2: "closed", 3: "closed", 4: "closed", 5: "open"}
    closed = found_ids(client, start_date="2020-01-01T00:00:00Z", status="closed")
    assert closed == {"2", "3", "4"}


def test_every_status_a_preset_allows_has_its_group():
    fields = cast(list[dict], SERVICE_REQUESTS_SCHEMA["fields"])
    [status] = [spec for spec in fields if spec["name"] == "status"]
    assert set(status["constraints"]["enum"]) <= OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES


# Withheld columns ------------------------------------------------------------------


def test_withheld_location_columns_never_appear_and_public_ones_do(client, db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    row = {"case_id": 1, "type": "Pothole", "department": "Public Works", "status": "OPEN",
           "created_date": "2020-01-08", "created_time": "09:00:00", "zip_code": 64130,
           "street_address": "4900 E 63rd St", "latitude": 39.0145, "longitude": -94.5273,
           "detail": "District 3"}  # fmt: skip
    publish([row], tmp_path, withheld=("latitude", "longitude", "detail"))
    for extension in ("json", "xml"):
        for url in (
            f"/open311/v2/requests.{extension}?{WINDOW}",
            f"/open311/v2/requests/1.{extension}",
        ):
            body = client.get(url).content
            assert b"4900 E 63rd St" in body and b"64130" in body
            for withheld in (b"39.0145", b"-94.5273", b"District 3", b"<lat", b'"lat"'):
                assert withheld not in body, (url, withheld)
    [request] = get_json(client, "/open311/v2/requests/1.json")
    assert request["address"] == "4900 E 63rd St" and "lat" not in request


# XML, service definitions, refusals -------------------------------------------------


def xml_items(response, root: str, item: str) -> list[dict[str, Any]]:
    """Read a GeoReport list in XML as the JSON shape: element text, '' for empty."""
    assert response["Content-Type"].startswith("text/xml")
    tree = ET.fromstring(response.content)
    assert tree.tag == root and {child.tag for child in tree} <= {item}
    return [{field.tag: field.text or "" for field in element} for element in tree]


def as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def schema_fields(name: str) -> set[str]:
    return set(json.loads((SCHEMAS / name).read_text())["properties"])


def test_xml_says_what_json_says_in_the_spec_shape(client, requests_dataset):
    for path, root, item, schema in [
        ("services.xml", "services", "service", "service.json"),
        (f"requests.xml?{WINDOW}", "service_requests", "request", "request.json"),
        (f"requests/{CASE}.xml", "service_requests", "request", "request.json"),
    ]:
        from_xml = xml_items(client.get(f"/open311/v2/{path}"), root, item)
        from_json = get_json(client, f"/open311/v2/{path.replace('.xml', '.json')}")
        assert from_xml == [{key: as_text(value) for key, value in r.items()} for r in from_json]
        assert all(set(element) <= schema_fields(schema) for element in from_xml), path


def test_a_service_definition_has_no_attributes_as_services_json_says(client, requests_dataset):
    [service] = get_json(client, "/open311/v2/services.json")
    definition = get_json(client, "/open311/v2/services/pothole.json")
    assert definition == {"service_code": "pothole", "attributes": []}
    assert list(validator("service-definition.json").iter_errors(definition)) == []
    assert service["metadata"] is False
    tree = ET.fromstring(client.get("/open311/v2/services/pothole.xml").content)
    assert tree.tag == "service_definition"
    assert [(child.tag, child.text) for child in tree] == [
        ("service_code", "pothole"),
        ("attributes", None),
    ]


def test_an_unknown_service_definition_is_a_georeport_404(client, requests_dataset):
    response = client.get("/open311/v2/services/streetlight.xml")
    assert response.status_code == 404
    tree = ET.fromstring(response.content)
    assert tree.tag == "errors" and tree.find("error/code").text == "404"
    assert "service_code 'streetlight'" in tree.find("error/description").text


def test_discovery_lists_both_formats_in_json_and_xml(client, db):
    discovery = get_json(client, "/open311/v2/discovery.json")
    assert discovery["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    tree = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    formats = [element.text for element in tree.iterfind("endpoints/endpoint/formats/format")]
    assert tree.tag == "discovery" and formats == ["application/json", "text/xml"]


def test_another_format_is_refused_in_georeport_json(client, requests_dataset):
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert json.loads(response.content)[0]["description"].startswith("format 'csv'")


def test_writes_get_a_georeport_403_not_a_csrf_page(requests_dataset):
    client = Client(enforce_csrf_checks=True)
    for path in ("requests", "services", "services/pothole", f"requests/{CASE}", "discovery"):
        for method in ("post", "put", "delete", "patch"):
            send = getattr(client, method)
            as_json = send(f"/open311/v2/{path}.json", {"service_code": "pothole"})
            as_xml = send(f"/open311/v2/{path}.xml", {"service_code": "pothole"})
            assert as_json.status_code == as_xml.status_code == 403, (method, path)
            [error] = json.loads(as_json.content)
            assert error["code"] == 403 and f"{method.upper()} is refused" in error["description"]
            tree = ET.fromstring(as_xml.content)
            assert tree.tag == "errors" and tree.find("error/code").text == "403"


# The real client ----------------------------------------------------------------------


def test_the_georeport_client_reads_services_and_requests(
    live_server, requests_dataset, transactional_db
):
    client = GeoReport(live_server.url + "/open311/v2")
    assert client.get_service_list()[0]["service_code"] == "pothole"
    # The client unwraps the one-element array the spec returns.
    assert client.get_service_request(CASE)["status"] == "closed"
    found = client.get_service_requests(
        service_code="pothole", start_date="2020-02-01T00:00:00-06:00",
        end_date="2020-02-10T00:00:00-06:00",
    )  # fmt: skip
    assert found and all(r["service_code"] == "pothole" for r in found)


def test_the_georeport_client_reads_the_xml_too(live_server, requests_dataset, transactional_db):
    client = GeoReport(live_server.url + "/open311/v2", output_format="xml")
    assert client.get_service_list()["service_code"] == "pothole"
    assert client.get_service_definition("pothole")["service_code"] == "pothole"
    assert client.get_service_request(CASE)["requested_datetime"] == "2020-01-07T12:59:00-06:00"
    # The requests params encode the offset's "+" properly, unlike a URL typed by hand.
    found = client.get_service_requests(
        start_date="2020-01-08T00:29:00+05:30", end_date="2020-01-08T00:30:00+05:30"
    )
    assert found["service_request_id"] == CASE
