"""SODA's .geojson: the same query as .json, as a FeatureCollection of points (#9.1)."""

import json
from typing import Any

import requests
from sodapy import Socrata

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset


def features(client, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/resource/service-requests.geojson?{query}")
    assert response.status_code == 200, response.getvalue()
    assert response["Content-Type"] == "application/vnd.geo+json"
    collection = json.loads(response.getvalue())
    assert collection["type"] == "FeatureCollection"
    return collection["features"]


def test_each_row_is_a_point_feature_with_its_public_fields(client, requests_dataset):
    found = features(
        client,
        "$select=case_id, latitude, longitude&$where=latitude is not null&$limit=5&$order=case_id",
    )
    with warehouse._connect() as connection:
        expected = connection.execute(
            'select case_id, latitude, longitude from "ds_service_requests" '
            "where latitude is not null order by case_id limit 5"
        ).fetchall()
    assert [(int(f["properties"]["case_id"]), f["geometry"]["coordinates"]) for f in found] == [
        (case_id, [longitude, latitude]) for case_id, latitude, longitude in expected
    ]
    assert all(f["geometry"]["type"] == "Point" for f in found)
    assert all(set(f["properties"]) == {"case_id"} for f in found)


def test_the_soql_parameters_apply_and_withheld_columns_stay_out(client, requests_dataset):
    everything = features(client, "$where=status='OPEN'")
    as_json = json.loads(
        client.get("/resource/service-requests.json?$where=status='OPEN'").getvalue()
    )
    assert len(everything) == len(as_json) > 0
    assert all(f["properties"]["status"] == "OPEN" for f in everything)
    assert "street_address" not in json.dumps(everything)
    refused = client.get("/resource/service-requests.geojson?$select=street_address")
    assert refused.status_code == 400


def test_rows_without_a_selected_point_keep_a_null_geometry(client, requests_dataset):
    found = features(client, "$select=case_id&$limit=3")
    assert [f["geometry"] for f in found] == [None, None, None]


def test_a_dataset_without_a_location_says_so(client, requests_dataset):
    Dataset.objects.filter(pk=requests_dataset.pk).update(
        table_schema={
            **requests_dataset.table_schema,
            "fields": [
                field
                for field in requests_dataset.table_schema["fields"]
                if field["name"] not in ("latitude", "longitude")
            ],
        }
    )
    response = client.get("/resource/service-requests.geojson")
    assert response.status_code == 400
    assert json.loads(response.getvalue())["code"] == "query.soql.no-geometry"


def test_sodapy_reads_geojson(live_server, requests_dataset, transactional_db):
    host = live_server.url.removeprefix("http://")
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    with Socrata(host, None, session_adapter=adapter) as socrata:
        collection = socrata.get(
            "service-requests", content_type="geojson", where="latitude is not null", limit=4
        )
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 4
