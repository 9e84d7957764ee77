"""SODA answers what was asked or says why not: no silent wrong answers (#18).

The 311 sample has 200 requests, all in the category 'Streets / Roadways / Alleys', 120
of them in detail 'District 3' and 80 in 'District 2'; 97 have no days_to_close.
"""

import json

import pytest

from citystat.api.tests.test_soda import socrata, warehouse_rows  # noqa: F401


def answer(client, query: str):
    response = client.get(f"/resource/service-requests.json?{query}")
    return response.status_code, json.loads(response.getvalue())


def case_ids(client, query: str) -> set[str]:
    status, rows = answer(client, f"$select=case_id&$limit=1000&{query}")
    assert status == 200, rows
    return {row["case_id"] for row in rows}


def test_not_like_returns_the_rows_like_leaves_out(client, requests_dataset):
    assert len(case_ids(client, "$where=category not like 'Prop%'")) == 200
    assert len(case_ids(client, "$where=detail not like '%3'")) == 80


@pytest.mark.parametrize(
    ("negated", "positive"),
    [
        ("detail not like 'District 3'", "detail like 'District 3'"),
        ("detail not ilike 'district 3'", "detail ilike 'district 3'"),
        ("detail not in ('District 3')", "detail in ('District 3')"),
        ("days_to_close not between 2 and 30", "days_to_close between 2 and 30"),
        ("days_to_close is not null", "days_to_close is null"),
    ],
)
def test_each_negated_operator_is_the_complement(client, requests_dataset, negated, positive):
    everything = case_ids(client, "")
    unknown = case_ids(client, f"$where=({positive}) is null")
    assert (
        case_ids(client, f"$where={negated}")
        == everything - case_ids(client, f"$where={positive}") - unknown
    )


def test_order_keeps_nulls_first(client, requests_dataset):
    status, rows = answer(client, "$select=days_to_close&$order=days_to_close nulls first")
    assert status == 200
    assert "days_to_close" not in rows[0] and "days_to_close" in rows[-1]


def test_a_timestamp_filter_in_the_apis_own_format_matches(client, requests_dataset):
    status, rows = answer(client, "created_date=2020-02-19T00:00:00.000")
    assert status == 200
    assert len(rows) == 15
    assert {row["created_date"] for row in rows} == {"2020-02-19T00:00:00.000"}
    assert len(answer(client, "created_date=2020-02-19")[1]) == 15


def test_a_number_filter_compares_numbers(client, requests_dataset):
    status, rows = answer(client, "council_district=05&$select=count(*) as n")
    expected = warehouse_rows(
        'select count(*) from "ds_service_requests" where council_district = 5'
    )[0][0]
    assert (status, rows) == (200, [{"n": str(expected)}])


def test_a_filter_value_of_the_wrong_type_is_refused_by_name(client, requests_dataset):
    status, body = answer(client, "created_date=last tuesday")
    assert status == 400
    assert body["message"].startswith("created_date: 'last tuesday' is not a date and time")


@pytest.mark.parametrize("parameter", ["$selct=case_id", "$limt=5", "$format=csv"])
def test_an_unknown_dollar_parameter_is_a_400_not_ignored(client, requests_dataset, parameter):
    status, body = answer(client, parameter)
    name = parameter.split("=")[0]
    assert status == 400
    assert body["error"] is True and body["code"] == "query.soql.invalid-parameter"
    assert body["message"].startswith(f"{name}: unknown parameter")


def test_query_runs_a_whole_soql_statement(client, requests_dataset):
    status, rows = answer(
        client,
        "$query=SELECT case_id, days_to_close WHERE days_to_close > 30 "
        "ORDER BY days_to_close DESC, case_id LIMIT 3 OFFSET 1",
    )
    expected = warehouse_rows(
        'select case_id, days_to_close from "ds_service_requests" where days_to_close > 30 '
        "order by days_to_close desc, case_id limit 3 offset 1"
    )
    assert status == 200
    assert [(row["case_id"], row["days_to_close"]) for row in rows] == [
        (str(case), str(days)) for case, days in expected
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT street_address", "$select: no such column: street_address."),
        ("SELECT count(*) AS street_address GROUP BY street_address", "may not reuse"),
        ("SELECT case_id FROM other_table", "$query: FROM is not part of SoQL."),
        ("SELECT case_id LIMIT 50001", "$query: LIMIT: 50001 is outside"),
    ],
)
def test_query_goes_through_the_same_checks(client, requests_dataset, query, message):
    status, body = answer(client, f"$query={query}")
    assert status == 400
    assert message in body["message"]


def test_query_with_other_clauses_is_refused(client, requests_dataset):
    status, body = answer(client, "$query=SELECT case_id&$limit=5")
    assert status == 400
    assert body["message"].startswith("$query: cannot be combined with $limit")


def test_sodapy_query_matches_the_same_clauses_given_one_by_one(socrata, transactional_db):  # noqa: F811
    by_clauses = socrata.get(
        "service-requests",
        select="council_district, count(*) as n",
        where="status = 'RESOL'",
        group="council_district",
        order="council_district",
    )
    by_query = socrata.get(
        "service-requests",
        query="SELECT council_district, count(*) AS n WHERE status = 'RESOL' "
        "GROUP BY council_district ORDER BY council_district",
    )
    assert by_query == by_clauses and len(by_query) < 10


def test_sodapy_filter_by_a_timestamp_it_was_given(socrata, transactional_db):  # noqa: F811
    first = socrata.get("service-requests", order="case_id", limit=1)[0]
    rows = socrata.get("service-requests", created_date=first["created_date"])
    assert first["case_id"] in {row["case_id"] for row in rows}
    assert {row["created_date"] for row in rows} == {first["created_date"]}


@pytest.mark.parametrize(
    "query",
    [
        "$select=case_id, days_to_close&$order=2",
        "$select=case_id, 2 as two&$order=two desc",
        "$select=count(*)&$group=1",
        "$order='Pothole'",
    ],
)
def test_a_constant_order_or_group_key_is_refused_not_read_as_a_position(
    client, requests_dataset, query
):
    status, body = answer(client, query)
    assert status == 400
    assert "is a constant" in body["message"]
    assert "Exception" not in body["message"]


def test_a_date_compares_as_its_midnight_with_a_time_of_that_day(client, requests_dataset):
    # SoQL has no date type: a date is the floating timestamp of its midnight (#18).
    same_day = "'2020-02-19T10:00:00'"
    assert case_ids(client, f"$where=created_date = {same_day}") == set()
    assert case_ids(client, f"$where=created_date in ({same_day})") == set()
    later = case_ids(client, f"$where=created_date >= {same_day}")
    assert later == case_ids(client, "$where=created_date > '2020-02-19'")
    assert len(case_ids(client, "$where=created_date = '2020-02-19T00:00:00'")) == 15
