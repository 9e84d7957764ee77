"""One escape for every CSV the site writes (#16, Low 11: CSV formula injection)."""

import duckdb
import pytest

from citystat.lib.csv_safety import escape_formula, safe_cell, safe_cell_sql


@pytest.mark.parametrize("text", ["=1+2", "+1 816", "-x", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "", "1-2", "a=b", "'=already"])
def test_other_text_is_left_alone(text):
    assert escape_formula(text) == text


def test_numbers_stay_numbers_and_none_is_empty():
    assert safe_cell(-3.5) == -3.5
    assert safe_cell(-1) == -1
    assert safe_cell(None) == ""
    assert safe_cell("-3.5") == "'-3.5"  # stored as text, so escaped as text


def test_the_sql_escape_agrees_with_the_python_one():
    texts = ["=1+2", "+1", "-x", "@a", "\tx", "\rx", "plain", "", "1-2"]
    connection = duckdb.connect()
    connection.execute("create table t (v varchar)")
    connection.executemany("insert into t values (?)", [[text] for text in texts])
    escaped = connection.execute(f"select {safe_cell_sql('v')} from t").fetchall()
    assert [row[0] for row in escaped] == [escape_formula(text) for text in texts]
