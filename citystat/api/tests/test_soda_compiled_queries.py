"""Compiled SODA queries are kept per process, never past a change of what they read (#18)."""

import copy
import json

from citystat.api.soda import compiled_query

QUERY = "$select=category, count(*) as requests&$group=category&$order=category"


def answer(client, query: str = QUERY):
    response = client.get(f"/resource/service-requests.json?{query}")
    return response.status_code, json.loads(response.getvalue())


def test_the_same_query_asked_again_is_compiled_once(client, requests_dataset):
    compiled_query.cache_clear()
    first = answer(client)
    second = answer(client)
    assert first == second
    assert first[0] == 200
    info = compiled_query.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_a_column_withheld_after_a_query_is_refused_by_the_same_query(client, requests_dataset):
    assert answer(client)[0] == 200
    schema = copy.deepcopy(requests_dataset.table_schema)
    for field in schema["fields"]:
        if field["name"] == "category":
            field["public"] = False
    requests_dataset.table_schema = schema
    requests_dataset.save()
    status, body = answer(client)
    assert status == 400
    assert "category" in body["message"]


def test_a_refused_query_is_not_kept_and_is_refused_again(client, requests_dataset):
    compiled_query.cache_clear()
    bad = "$where=no_such_column = 1"
    assert answer(client, bad)[0] == 400
    assert answer(client, bad)[0] == 400
    assert compiled_query.cache_info().currsize == 0
