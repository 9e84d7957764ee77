"""SoQL functions as Socrata documents them, and their errors, checked against pandas (#18).

The 311 sample's rows are read once through SODA with no query, then every answer is
recomputed from them with pandas.
"""

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest


def answer(client, parameters: dict[str, str]):
    response = client.get("/resource/service-requests.json", parameters)
    return response, json.loads(response.getvalue())


@pytest.fixture
def frame(client, requests_dataset) -> pd.DataFrame:
    """Every row of the sample, typed from SODA's text."""
    response, rows = answer(client, {"$limit": "50000"})
    frame = pd.DataFrame(rows)
    for name in ("case_id", "days_to_close", "council_district"):
        frame[name] = pd.to_numeric(frame[name])
    return frame


def numbers(rows: list[dict[str, Any]], name: str) -> list[float | None]:
    return [float(row[name]) if name in row else None for row in rows]


def same(answered: list[Any], expected: list[Any]) -> bool:
    def close(a, b):
        if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
            return a is None and (b is None or math.isnan(b))
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)

    return len(answered) == len(expected) and all(map(close, answered, expected))


def by_case(client, select: str) -> list[dict[str, Any]]:
    response, rows = answer(client, {"$select": f"case_id, {select}", "$order": "case_id"})
    assert response.status_code == 200, rows
    return rows


def test_coalesce_greatest_least_ln_and_power(client, frame):
    frame = frame.sort_values("case_id")
    days, district = frame["days_to_close"], frame["council_district"]
    rows = by_case(
        client,
        "coalesce(days_to_close, -1) as c, greatest(days_to_close, council_district) as g, "
        "least(days_to_close, council_district) as l, ln(days_to_close + 1) as n, "
        "days_to_close ^ 2 as p",
    )
    assert same(numbers(rows, "c"), list(days.fillna(-1)))
    # Every engine's greatest and least pass over nulls.
    assert same(numbers(rows, "g"), list(pd.concat([days, district], axis=1).max(axis=1)))
    assert same(numbers(rows, "l"), list(pd.concat([days, district], axis=1).min(axis=1)))
    assert same(numbers(rows, "n"), list(np.log(days + 1)))
    assert same(numbers(rows, "p"), list(days**2))


def test_concatenation_and_case(client, frame):
    frame = frame.sort_values("case_id")
    rows = by_case(
        client,
        "type || ' / ' || detail as joined, "
        "case(days_to_close > 30, 'slow', days_to_close <= 30, 'fast') as speed",
    )
    assert [row["joined"] for row in rows] == list(frame["type"] + " / " + frame["detail"])
    expected = [
        None if pd.isna(days) else ("slow" if days > 30 else "fast")
        for days in frame["days_to_close"]
    ]
    assert [row.get("speed") for row in rows] == expected


def test_deviations_and_regressions(client, frame):
    response, rows = answer(
        client,
        {
            "$select": "stddev_pop(days_to_close) as sp, stddev_samp(days_to_close) as ss, "
            "regr_slope(days_to_close, council_district) as slope, "
            "regr_intercept(days_to_close, council_district) as intercept, "
            "regr_r2(days_to_close, council_district) as r2"
        },
    )
    assert response.status_code == 200, rows
    (row,) = rows
    days = frame["days_to_close"].dropna()
    assert math.isclose(float(row["sp"]), days.std(ddof=0), rel_tol=1e-9)
    assert math.isclose(float(row["ss"]), days.std(ddof=1), rel_tol=1e-9)
    pairs = frame[["days_to_close", "council_district"]].dropna()
    slope, intercept = np.polyfit(pairs["council_district"], pairs["days_to_close"], 1)
    r = np.corrcoef(pairs["council_district"], pairs["days_to_close"])[0, 1]
    assert math.isclose(float(row["slope"]), slope, rel_tol=1e-9)
    assert math.isclose(float(row["intercept"]), intercept, rel_tol=1e-9)
    assert math.isclose(float(row["r2"]), r**2, rel_tol=1e-9)


@pytest.mark.parametrize("via_query", [False, True])
def test_distinct_rows(client, frame, via_query):
    parameters = {"$select": "distinct detail, council_district", "$order": "detail desc"}
    if via_query:
        parameters = {"$query": "SELECT DISTINCT detail, council_district ORDER BY detail DESC"}
    response, rows = answer(client, parameters)
    assert response.status_code == 200, rows
    expected = frame[["detail", "council_district"]].drop_duplicates()
    assert len(rows) == len(expected)
    assert {(row["detail"], int(row["council_district"])) for row in rows} == set(
        expected.itertuples(index=False, name=None)
    )
    assert [row["detail"] for row in rows] == sorted((row["detail"] for row in rows), reverse=True)


def test_distinct_orders_only_by_what_it_selects(client, requests_dataset):
    response, body = answer(client, {"$select": "distinct detail", "$order": "case_id"})
    assert response.status_code == 400
    assert "DISTINCT" in body["message"]


def test_backtick_names_are_columns(client, frame):
    response, rows = answer(
        client,
        {
            "$select": "`detail`, count(*) as n",
            "$group": "`detail`",
            "$where": "`type` = 'Pothole'",
        },
    )
    assert response.status_code == 200, rows
    expected = frame[frame["type"] == "Pothole"].groupby("detail").size()
    assert {row["detail"]: int(row["n"]) for row in rows} == expected.to_dict()


def test_unaliased_values_are_named_as_socrata_names_them(client, requests_dataset):
    response, rows = answer(
        client,
        {
            "$select": "count(*), max(days_to_close), date_trunc_ym(created_date), upper(type)",
            "$group": "date_trunc_ym(created_date), upper(type)",
        },
    )
    assert response.status_code == 200, rows
    assert json.loads(response["X-SODA2-Fields"]) == [
        "count",
        "max_days_to_close",
        "date_trunc_ym_created_date",
        "upper_type",
    ]


@pytest.mark.parametrize(
    "function",
    [
        "within_circle(type, 39.1, -94.5, 500)",
        "within_box(days_to_close, 39.2, -94.6, 39.0, -94.4)",
    ],
)
def test_within_functions_refuse_a_column_that_is_not_the_point(client, requests_dataset, function):
    response, body = answer(client, {"$where": function})
    assert response.status_code == 400
    assert "takes a point column (location)" in body["message"]


def test_within_functions_treat_a_withheld_column_as_missing(client, requests_dataset):
    withheld = answer(client, {"$where": "within_circle(street_address, 39.1, -94.5, 500)"})[1]
    missing = answer(client, {"$where": "within_circle(no_column, 39.1, -94.5, 500)"})[1]
    assert withheld["code"] == missing["code"] == "query.soql.no-such-column"
    assert withheld["message"].replace("street_address", "no_column") == missing["message"]


def test_an_unknown_column_gets_its_position_and_the_nearest_name(client, requests_dataset):
    response, body = answer(client, {"$where": "type = 'Pothole' and days_to_clos > 3"})
    assert response.status_code == 400
    assert body["code"] == "query.soql.no-such-column"
    assert "no such column: days_to_clos. At character 22." in body["message"]
    assert body["message"].endswith("Did you mean days_to_close?")
    assert body["data"]["position"] == {"row": 1, "column": 22}
    assert body["data"]["suggestion"] == "days_to_close"


def test_positions_count_from_the_parameters_own_text(client, requests_dataset):
    body = answer(client, {"$select": "case_id, typo_column"})[1]
    assert body["data"]["position"] == {"row": 1, "column": 10}
    body = answer(client, {"$query": "SELECT case_id WHERE typo_column = 1"})[1]
    assert body["data"]["position"] == {"row": 1, "column": 22}


def test_an_unknown_function_gets_the_nearest_function(client, requests_dataset):
    response, body = answer(client, {"$select": "upperr(type)"})
    assert response.status_code == 400
    assert body["code"] == "query.soql.no-such-function"
    assert body["message"].endswith("Did you mean upper()?")


def test_a_withheld_column_is_never_suggested(client, requests_dataset):
    withheld = answer(client, {"$where": "street_address = 'x'"})[1]
    near_withheld = answer(client, {"$where": "street_adress = 'x'"})[1]
    for body in (withheld, near_withheld):
        assert body["code"] == "query.soql.no-such-column"
        assert "street_address?" not in body["message"]
        assert body["data"].get("suggestion") != "street_address"


@pytest.mark.parametrize(
    "parameters",
    [
        {"$where": "type > 3"},
        {"$where": "created_date = 'yesterday'"},
        {"$select": "upper(days_to_close)"},
        {"$select": "ln(type)"},
    ],
)
def test_engine_errors_never_reach_the_client(client, requests_dataset, parameters):
    response, body = answer(client, parameters)
    assert response.status_code == 400
    assert body["code"] == "query.soql.type-mismatch"
    for word in ("Exception", "Binder", "Conversion", "Error:", "SELECT", "public_rows"):
        assert word not in body["message"]


def test_an_undefined_regression_is_null_not_nan(client, requests_dataset):
    # Within one council district every point has the same x: no line fits.
    response, rows = answer(
        client,
        {
            "$select": "council_district, regr_slope(days_to_close, council_district) as slope",
            "$group": "council_district",
        },
    )
    assert response.status_code == 200, rows
    assert rows and all("slope" not in row for row in rows)
