"""SoQL's types are checked before a query runs: a mismatch is refused where it stands (#18).

Compiled against a dataset of every column type; answered through the 311 sample's
endpoint, where accepted queries are recomputed with pandas.
"""

import json

import pandas as pd
import pytest

from citystat.api.soql import Column, SoqlError, compile_query

COLUMNS = {
    name: Column(name, kind)
    for name, kind in [
        ("id", "integer"),
        ("status", "string"),
        ("days", "integer"),
        ("amount", "number"),
        ("opened", "date"),
        ("stamp", "datetime"),
        ("late", "boolean"),
        ("hour", "time"),
        ("latitude", "number"),
        ("longitude", "number"),
    ]
}


def refusal(parameters: dict[str, str]) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        compile_query(parameters, COLUMNS, "t", ["id"])
    assert caught.value.code == "query.soql.type-mismatch", caught.value
    return caught.value


T, N, C, D = "text", "number", "checkbox", "floating_timestamp"
GROUPED = {"$select": "status, count(*)", "$group": "status"}


@pytest.mark.parametrize(
    ("parameters", "function", "expected", "actual", "column"),
    [
        # A number compared with text: Socrata's own example.
        ({"$where": "status > 5"}, "op$>", T, N, 10),
        ({"$where": "5 = status"}, "op$=", T, N, 1),
        ({"$where": "days = 'abc'"}, "op$=", N, T, 8),
        ({"$where": "days = status"}, "op$=", N, T, 8),
        ({"$where": "opened > 2020"}, "op$>", D, N, 10),
        ({"$where": "late = 'yes'"}, "op$=", C, T, 8),
        ({"$where": "days like '1%'"}, "op$like", T, N, 1),
        ({"$where": "days between 1 and 'x'"}, "op$between", N, T, 20),
        ({"$where": "status in ('a', 2)"}, "op$in", T, N, 17),
        ({"$where": "status and late"}, "op$and", C, T, 1),
        ({"$select": "status + 1"}, "op$+", N, T, 1),
        ({"$select": "sum(status)"}, "sum", N, T, 5),
        ({"$select": "avg(opened)"}, "avg", N, D, 5),
        ({"$select": "upper(days)"}, "upper", T, N, 7),
        ({"$select": "ln(status)"}, "ln", N, T, 4),
        ({"$select": "date_trunc_ym(status)"}, "date_trunc_ym", D, T, 15),
        ({"$select": "coalesce(days, status)"}, "coalesce", N, T, 16),
        ({"$select": "case(late, days, true, status)"}, "case", N, T, 24),
        (GROUPED | {"$having": "count(*) > 'many'"}, "op$>", N, T, 12),
        ({"$order": "days + (status)"}, "op$+", N, T, 9),
    ],
)
def test_a_mismatch_is_refused_with_its_function_types_and_position(
    parameters, function, expected, actual, column
):
    error = refusal(parameters)
    clause = list(parameters)[-1]
    assert str(error).startswith(
        f"{clause}: Type mismatch for {function}, is {expected}, was {actual}. "
        f"At character {column}."
    )
    assert error.data["clause"] == clause
    assert error.data["position"] == {"row": 1, "column": column}
    assert error.data["function"] == function
    assert error.data["expected"] == expected and error.data["actual"] == actual


@pytest.mark.parametrize(
    ("where", "suggestion", "column"),
    [("status > 5", "'5'", 10), ("status = -12.5", "'-12.5'", 11), ("status like 4", "'4'", 13)],
)
def test_a_number_given_for_text_suggests_it_quoted(where, suggestion, column):
    error = refusal({"$where": where})
    assert str(error).endswith(f"At character {column}. Did you mean {suggestion}?")
    assert error.data["suggestion"] == suggestion


def test_a_mismatch_without_an_obvious_fix_has_no_suggestion():
    error = refusal({"$select": "sum(status)"})
    assert "suggestion" not in error.data and "Did you mean" not in str(error)


@pytest.mark.parametrize(
    "parameters",
    [
        # A text literal may stand for a date, a number it spells, or a checkbox.
        {"$where": "opened > '2020-01-01' and stamp <= '2020-01-01T10:00:00'"},
        {"$where": "opened between '2020-01-01' and '2020-12-31'"},
        {"$where": "days = '5' and amount > '-1.5' and late = 'true'"},
        {"$where": "status in ('a', 'b') and days in (1, 2, null)"},
        {"$where": "status like 'a%' and not late and status || days = 'x1'"},
        {"$where": "days is null or status = null"},
        {"$where": "hour = '10:00:00'"},
        {"$where": "within_circle(location, 39.1, -94.5, 500)"},
        {"$select": "sum(days), avg(amount), min(status), max(opened), count(status)"},
        {"$select": "date_trunc_ym(opened) as month, date_extract_y(stamp), count(*)",
         "$group": "month", "$having": "count(*) > '1'", "$order": "month"},
        {"$select": "case(days > 3, 'slow', true, 'fast'), coalesce(days, 0) + 1"},
        {"$select": "greatest(opened, '2020-01-01'), least(days, amount), ln(days) ^ 2"},
        {"$select": "regr_slope(days, amount), stddev_pop(amount), upper(status)"},
        {"$select": "status || ' ' || days", "$where": "starts_with(status, 'O')"},
    ],
)  # fmt: skip
def test_queries_of_fitting_types_compile(parameters):
    compile_query(parameters, COLUMNS, "t", ["id"])


def test_a_withheld_or_unknown_column_is_refused_as_unknown_before_any_type():
    with pytest.raises(SoqlError) as caught:
        compile_query({"$where": "statu > 5"}, COLUMNS, "t", ["id"])
    assert caught.value.code == "query.soql.no-such-column"


def answer(client, parameters: dict[str, str]):
    response = client.get("/resource/service-requests.json", parameters)
    return response, json.loads(response.getvalue())


def test_the_endpoint_answers_a_mismatch_in_socratas_shape_without_running_it(
    client, requests_dataset
):
    response, body = answer(client, {"$where": "type > 3"})
    assert response.status_code == 400
    assert body == {
        "code": "query.soql.type-mismatch",
        "error": True,
        "message": "$where: Type mismatch for op$>, is text, was number. At character 8. "
        "Did you mean '3'?",
        "data": {
            "clause": "$where",
            "function": "op$>",
            "expected": "text",
            "actual": "number",
            "position": {"row": 1, "column": 8},
            "suggestion": "'3'",
        },
    }


def test_text_literals_for_dates_and_numbers_are_still_answered(client, requests_dataset):
    everything = pd.DataFrame(answer(client, {"$limit": "50000"})[1])
    everything["days_to_close"] = pd.to_numeric(everything["days_to_close"])
    response, rows = answer(
        client,
        {
            "$where": "days_to_close >= '5' and created_date >= '2020-01-01'",
            "$select": "case_id",
            "$order": "case_id",
        },
    )
    assert response.status_code == 200, rows
    expected = everything[
        (everything["days_to_close"] >= 5) & (everything["created_date"] >= "2020-01-01")
    ]
    assert [row["case_id"] for row in rows] == sorted(expected["case_id"], key=int)
    assert rows


def test_what_the_check_cannot_tell_is_still_refused_by_the_engine(client, requests_dataset):
    # An alias's type is left to the engine; its refusal is still Socrata's shape.
    response, body = answer(
        client,
        {"$select": "type as kind, count(*) as n", "$group": "type", "$having": "kind > 3"},
    )
    assert response.status_code == 400
    assert body["code"] == "query.soql.type-mismatch"
    assert "position" not in body.get("data", {})
    for word in ("Exception", "Binder", "Conversion", "SELECT", "public_rows"):
        assert word not in body["message"]
