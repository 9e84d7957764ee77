"""SODA over a dataset of datetimes (12-hour US times in the file), against pandas."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import pytest

from citystat.catalog.tests.datetime_dataset import load_tickets, tickets_frame

FRAME = tickets_frame(rows=120)


@pytest.fixture
def tickets(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    return load_tickets(tmp_path, FRAME, is_public=True)


def rows(client, **query) -> list[dict[str, Any]]:
    response = client.get(f"/resource/tickets.json?{urlencode(query)}")
    assert response.status_code == 200, response.getvalue()
    return json.loads(response.getvalue())


def test_datetimes_come_back_as_floating_timestamps_to_the_second(client, tickets):
    body = rows(client, **{"$order": "ticket_no", "$limit": "1000"})
    assert len(body) == len(FRAME)
    for row, (_, expected) in zip(body, FRAME.iterrows(), strict=True):
        assert row["opened_at"] == expected["opened_at"].strftime("%Y-%m-%dT%H:%M:%S.000")
        assert row["inspect_by"] == expected["inspect_by"].strftime("%Y-%m-%dT00:00:00.000")
        if pd.isna(expected["resolved_at"]):
            assert "resolved_at" not in row
    metadata = json.loads(client.get("/api/views/tickets.json").content)
    kinds = {column["fieldName"]: column["dataTypeName"] for column in metadata["columns"]}
    assert kinds["opened_at"] == kinds["inspect_by"] == "floating_timestamp"


def test_a_where_on_a_time_of_day_finds_what_pandas_finds(client, tickets):
    moment = pd.Timestamp("2018-01-15 13:30:00")
    found = rows(
        client,
        **{"$where": f"opened_at >= '{moment.isoformat()}'", "$select": "ticket_no",
           "$limit": "1000"},
    )  # fmt: skip
    expected = FRAME.loc[FRAME["opened_at"] >= moment, "ticket_no"]
    assert sorted(int(row["ticket_no"]) for row in found) == sorted(expected)


def test_grouping_by_the_day_of_a_datetime_matches_pandas(client, tickets):
    body = rows(
        client,
        **{"$select": "date_trunc_ymd(opened_at) as day, count(*) as n", "$group": "day",
           "$limit": "1000"},
    )  # fmt: skip
    counted = {row["day"][:10]: int(row["n"]) for row in body}
    expected = FRAME.groupby(FRAME["opened_at"].dt.strftime("%Y-%m-%d")).size().to_dict()
    assert counted == expected
