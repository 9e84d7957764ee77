"""The dataset explorer, checked against pandas reading the same CSV file independently."""

from __future__ import annotations

import pandas as pd
import pytest
from django.http import QueryDict

from citystat.api import explorer
from citystat.catalog.models import Dataset

from .conftest import KC_SAMPLE


@pytest.fixture
def frame() -> pd.DataFrame:
    rows = pd.read_csv(KC_SAMPLE, encoding="utf-8-sig")
    rows["created"] = pd.to_datetime(rows["CREATION DATE"], format="%m/%d/%y")
    return rows


def asked(dataset: Dataset, query: str) -> explorer.ExplorerRequest:
    return explorer.read_request(dataset, QueryDict(query))


def case_ids(page: explorer.ExplorerPage) -> list[int]:
    position = [c.name for c in page.columns].index("case_id")
    return [int(row[position]) for row in page.rows]


def test_the_first_page_shows_the_newest_rows(requests_dataset, frame):
    page = explorer.explore(requests_dataset, asked(requests_dataset, ""))
    newest = frame.sort_values(["created", "CASE ID"], ascending=False)
    assert page.total == len(frame) == 200
    assert case_ids(page) == newest["CASE ID"].head(explorer.PAGE_SIZE).tolist()


def test_a_filter_and_a_page_choose_the_same_rows_as_pandas(requests_dataset, frame):
    request = asked(
        requests_dataset, "where=status+%3D+%27OPEN%27&order=case_id&direction=asc&page=2"
    )
    page = explorer.explore(requests_dataset, request)
    open_rows = frame[frame["STATUS"] == "OPEN"].sort_values("CASE ID")
    assert page.total == len(open_rows) == 97
    assert case_ids(page) == open_rows["CASE ID"].iloc[25:50].tolist()
    assert page.pages == 4 and page.first_row == 26 and page.last_row == 50


def test_the_search_matches_text_columns_as_pandas_does(requests_dataset, frame):
    page = explorer.explore(requests_dataset, asked(requests_dataset, "q=web"))
    text_columns = [
        requests_dataset.column_map.get(spec["name"], spec["name"])
        for spec in requests_dataset.public_fields
        if spec.get("type", "string") == "string"
    ]
    found = frame[text_columns].apply(
        lambda column: column.astype("string").str.lower().str.contains("web", regex=False)
    )
    assert page.total == int(found.fillna(False).any(axis=1).sum()) > 0


def test_a_refused_filter_keeps_its_text_and_sodas_message(requests_dataset):
    request = asked(requests_dataset, "where=no_such_column+%3D+1")
    page = explorer.explore(requests_dataset, request)
    assert request.where == "no_such_column = 1"
    assert request.errors == {"where": "$where: no such column: no_such_column. At character 1."}
    assert page.rows == [] and page.total == 0


def test_a_withheld_column_is_unknown_to_the_explorer(requests_dataset):
    request = asked(requests_dataset, "where=street_address+like+%27%25St%27&order=street_address")
    assert "street_address" not in [c.name for c in explorer.public_columns(requests_dataset)]
    assert request.errors["order"] == "street_address is not a column of this dataset."
    request = asked(requests_dataset, "where=street_address+like+%27%25St%27")
    explorer.explore(requests_dataset, request)
    assert "no such column: street_address" in request.errors["where"]


def test_a_page_past_the_last_is_refused(requests_dataset):
    request = asked(requests_dataset, "where=status+%3D+%27OPEN%27&page=5")
    page = explorer.explore(requests_dataset, request)
    assert request.errors == {"page": "There are only 4 pages of rows."}
    assert page.rows == []


@pytest.mark.parametrize("page", ["0", "-1", "two", "100001"])
def test_a_page_that_is_not_a_positive_number_is_refused(requests_dataset, page):
    assert "page" in asked(requests_dataset, f"page={page}").errors


def test_a_text_chart_counts_the_commonest_values(requests_dataset, frame):
    request = asked(requests_dataset, "chart=status")
    chart = explorer.explore(requests_dataset, request).chart
    expected = frame["STATUS"].value_counts()
    assert chart is not None and chart.kind == "counts"
    assert [(bar.label, bar.count) for bar in chart.bars] == list(expected.items())
    assert chart.bars[0].percent == 100.0


def test_a_date_chart_counts_rows_by_month(requests_dataset, frame):
    chart = explorer.explore(requests_dataset, asked(requests_dataset, "chart=created_date")).chart
    expected = frame.groupby(frame["created"].dt.strftime("%Y-%m")).size()
    assert chart is not None and chart.kind == "time"
    assert [(bar.label, bar.count) for bar in chart.bars] == list(expected.items())


def test_a_number_chart_is_a_histogram_of_the_filtered_rows(requests_dataset, frame):
    request = asked(requests_dataset, "chart=days_to_close&where=status+%3D+%27RESOL%27")
    chart = explorer.explore(requests_dataset, request).chart
    days = frame.loc[frame["STATUS"] == "RESOL", "DAYS TO CLOSE"].dropna()
    low, high = days.min(), days.max()
    edges = [low + (high - low) * step / 10 for step in range(10)] + [high]
    expected = pd.cut(days, edges, right=False, include_lowest=True).value_counts(sort=False)
    # pandas leaves the greatest value out of a right-open last bin; the chart counts it.
    expected.iloc[-1] += int((days == high).sum())
    assert chart is not None and chart.kind == "histogram"
    assert [bar.count for bar in chart.bars] == expected.tolist()
    assert sum(bar.count for bar in chart.bars) == len(days)


def test_whole_numbers_in_a_narrow_range_get_a_bar_each():
    edges, per_value = explorer.bin_edges(1, 6, whole=True)
    assert per_value and edges == [1, 2, 3, 4, 5, 6, 6]


def test_the_api_examples_ask_for_the_rows_on_the_page(requests_dataset):
    request = asked(requests_dataset, "where=status+%3D+%27OPEN%27")
    parameters = explorer.rows_parameters(requests_dataset, request)
    examples = explorer.api_examples(requests_dataset, "https://data.example.gov", parameters)
    identifier = examples.identifier
    assert examples.soql_url == (
        f"https://data.example.gov/resource/{identifier}.json?$where=status+%3D+%27OPEN%27"
        "&$order=created_date+desc,+:id+desc&$limit=25"
    )
    assert (
        f'client.get("{identifier}", where="status = \'OPEN\'", '
        "order='created_date desc, :id desc', limit=25)"
    ) in examples.sodapy
    assert "limit=25)" in examples.sodapy
    assert "--data-urlencode '$where=status = '\"'\"'OPEN'\"'\"''" in examples.curl
