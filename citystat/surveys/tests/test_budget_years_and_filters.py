"""Budgets as cities export them: a year whose actuals are all zero or empty is "not
closed" (never "0% spent"), and `citystat budget load --where` keeps only some rows,
parsed like a spec filter."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.demo.datasets import BUDGET_SCHEMA
from citystat.surveys.budget import budget_lines, year_is_closed

SCHEMA = {
    "fields": [
        *BUDGET_SCHEMA["fields"][:4],
        {"name": "account_type", "type": "string"},
        *BUDGET_SCHEMA["fields"][4:],
    ]
}
# FY2025 is closed (one program spent nothing: a real zero); FY2026 is open and its
# actuals were exported as zeros; the revenue lines are not spending.
CSV = """Fiscal Year,Department,Fund,Program,Account Type,Adopted,Amended,Actual
2025,Parks,General,Mowing,Personnel,100,120,110
2025,Parks,General,Mowing,Non-Personnel,50,50,40
2025,Parks,General,Pools,Personnel,80,80,0
2025,Parks,General,Fees,Revenue,-300,-300,-280
2025,Water,Enterprise,Mains,Capital,900,900,850
2026,Parks,General,Mowing,Personnel,110,130,0
2026,Parks,General,Pools,Personnel,90,90,0
2026,Parks,General,Fees,Revenue,-320,-320,
"""
EXPENSES = "account_type in ('Personnel','Non-Personnel')"


@pytest.fixture
def budget(db, tmp_path):
    Dataset.objects.create(slug="budget", title="Budget", table_schema=SCHEMA, is_public=True)
    path = tmp_path / "budget.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("budget", "load", *args, stdout=out)
    return out.getvalue()


def stored() -> pd.DataFrame:
    with warehouse._connect() as connection:
        return connection.execute(
            f"select * from {warehouse.table_name('budget')} order by fiscal_year, program, "
            "account_type"
        ).df()


def test_where_keeps_only_the_rows_it_selects(budget):
    out = load(str(budget), "--where", EXPENSES)
    assert out.strip() == (
        "budget v1: 5 rows read (5 of 8 rows kept by --where), 0 rejected, 5 published."
    )
    expected = pd.read_csv(budget)
    expected = expected[expected["Account Type"].isin(["Personnel", "Non-Personnel"])]
    got = stored()
    assert sorted(got["account_type"]) == sorted(expected["Account Type"])
    assert got["amended"].sum() == expected["Amended"].sum() == 120 + 50 + 80 + 130 + 90
    assert "Revenue" not in set(got["account_type"]) and "Capital" not in set(got["account_type"])


def test_where_compares_numbers_as_numbers(budget):
    load(str(budget), "--where", "amended >= 100 and fiscal_year = 2025")
    expected = pd.read_csv(budget)
    expected = expected[(expected["Amended"] >= 100) & (expected["Fiscal Year"] == 2025)]
    assert sorted(stored()["program"]) == sorted(expected["Program"]) == ["Mains", "Mowing"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("acount_type = 'Personnel'", "unknown field 'acount_type' — did you mean 'account_type'"),
        ("account_type = 'Personnel'; drop table x", "is not a condition"),
        ("department", "is not a condition"),
        ("program in (select 1)", "--where"),
        ("fiscal_year = 2030", "keeps none of the 8 rows"),
    ],
)
def test_a_bad_filter_is_refused_by_name_and_loads_nothing(budget, where, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        load(str(budget), "--where", where)
    assert not Dataset.objects.get(slug="budget").versions.exists()


def test_an_open_year_of_zero_actuals_is_not_closed_and_a_closed_years_zero_stays(budget):
    load(str(budget), "--where", EXPENSES)
    closed = budget_lines(2025)
    assert year_is_closed(closed)
    spent = {line.program: (line.actual, line.spent_share) for line in closed}
    assert spent == {"Mowing": (150.0, 150 / 170), "Pools": (0.0, 0.0)}
    open_year = budget_lines(2026)
    assert not year_is_closed(open_year)
    assert [(line.program, line.actual, line.spent_share) for line in open_year] == [
        ("Mowing", None, None),
        ("Pools", None, None),
    ]


def test_the_budget_page_says_an_open_year_is_not_closed_never_zero_spent(client, budget):
    load(str(budget), "--where", EXPENSES)
    body = client.get("/budget/?year=2026").content.decode()
    assert "FY2026 is not closed yet" in body
    assert body.count("year not closed") == 2
    assert "0%" not in body and "$0" not in body
    closed = client.get("/budget/?year=2025").content.decode()
    assert "is not closed yet" not in closed
    assert "88%" in closed  # Mowing: 150 of 170
