"""Arithmetic in filters: + - * / and parentheses over number fields, checked by type."""

from __future__ import annotations

import pytest

from citystat.plan.compute.filters import FilterError, compile_filter
from citystat.plan.tests.test_compute_values import values

FIELDS = {
    "e01": "integer",
    "e02": "integer",
    "e03": "integer",
    "score": "number",
    "department": "string",
    "survey_date": "date",
    "late": "boolean",
}


def test_the_mean_of_items_reaching_a_threshold_is_a_condition():
    compiled = compile_filter("(e01 + e02 + e03) / 3 >= 4", FIELDS)
    assert repr(compiled) == "((((_['e01'] + _['e02']) + _['e03']) / 3) >= 4)"


def test_arithmetic_may_sit_on_either_side_and_use_negative_numbers():
    assert repr(compile_filter("2 * score < e01 - -1.5", FIELDS)) == (
        "((2 * _['score']) < (_['e01'] - -1.5))"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(e01 + department) / 2 >= 4", "field 'department' is string"),
        ("survey_date + 1 > 3", "field 'survey_date' is date"),
        ("e01 + 'four' >= 4", "'four' is text; arithmetic needs numbers"),
        ("e01 / 0 > 1", "divides by zero"),
        ("e01 % 2 = 0", "'e01 % 2' is not allowed"),
        ("2 + 2 = 4", "names no field"),
        ("(e01 + e0z) / 2 >= 4", "unknown field 'e0z' — did you mean"),
        ("e01 + upper(department) > 1", "not allowed"),
    ],
)
def test_bad_arithmetic_is_refused_with_a_reason(text, message):
    with pytest.raises(FilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_filter(text, FIELDS)


@pytest.mark.usefixtures("requests")
def test_arithmetic_filters_compute_on_the_warehouse():
    # days × 2 + district: case 1 (FY2024) 3×2+1 = 7; FY2025: case 2 10×2+1 = 21,
    # case 4 1×2+2 = 4, case 5 5×2+2 = 12 (not > 12), case 6 2×2+3 = 7, case 3 open (null);
    # FY2026: case 7 7×2+3 = 17.
    counted = values(
        {
            "aggregate": "count",
            "grain": "fiscal_year",
            "filter": "days_to_close * 2 + council_district > 12",
        }
    )
    assert counted == {"FY2024": 0, "FY2025": 1, "FY2026": 1}


@pytest.mark.usefixtures("requests")
def test_a_quotient_that_divides_by_a_zero_field_matches_no_row():
    # council_district - 1 is 0 for district 1 (cases 1 and 2); the quotient is unknown
    # there, so the row does not match — never an error.
    counted = values(
        {
            "aggregate": "count",
            "grain": "fiscal_year",
            "filter": "days_to_close / (council_district - 1) >= 0",
        }
    )
    assert counted == {"FY2024": 0, "FY2025": 3, "FY2026": 1}
