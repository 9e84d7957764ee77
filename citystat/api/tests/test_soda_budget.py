"""A SODA answer's query and its writing share one time budget (#16, High 3)."""

import json
import time

import pytest
import requests

from citystat.api import soda


def slow_after(rows_written: int, pause: float, real=soda.json_batch_writer):
    """Return a json_batch_writer that pauses once, before the batch after `rows_written` rows
    (BATCH_ROWS is 10 here, so give a multiple of 10)."""

    def writer_for(result):
        write = real(result)
        count = 0

        def slow_write(batch):
            nonlocal count
            if count == rows_written:
                time.sleep(pause)
            count += len(batch)
            return write(batch)

        return slow_write

    return writer_for


@pytest.fixture
def tiny_budget(monkeypatch):
    monkeypatch.setattr(soda, "QUERY_SECONDS", 0.5)
    monkeypatch.setattr(soda, "BATCH_ROWS", 10)


def test_a_budget_spent_before_the_first_byte_is_socratas_timeout_error(
    client, requests_dataset, tiny_budget, monkeypatch
):
    monkeypatch.setattr(soda, "json_batch_writer", slow_after(0, 0.6))
    response = client.get("/resource/service-requests.json?$limit=50")
    body = json.loads(response.content)
    assert response.status_code == 400
    assert body["error"] is True and body["code"] == "query.execution.timeout"
    assert "0.5 seconds" in body["message"]


def test_a_budget_spent_mid_stream_cuts_the_answer_so_it_is_not_valid_json(
    client, requests_dataset, tiny_budget, monkeypatch, caplog
):
    monkeypatch.setattr(soda, "json_batch_writer", slow_after(10, 0.6))
    response = client.get("/resource/service-requests.json?$limit=50")
    assert response.status_code == 200 and response.streaming
    received = []
    with pytest.raises(soda.AnswerCutShort):
        for chunk in response.streaming_content:
            received.append(chunk)
    assert len(received) == 1
    with pytest.raises(ValueError):
        json.loads(b"".join(received))
    assert "service-requests.json (50 rows) cut short" in caplog.text


def test_an_answer_within_its_budget_is_streamed_in_batches_and_whole(
    client, requests_dataset, tiny_budget
):
    response = client.get("/resource/service-requests.json?$limit=35&$order=case_id")
    chunks = list(response.streaming_content)
    assert len(chunks) == 5  # four batches of at most 10 rows, then the closing bracket
    assert len(json.loads(b"".join(chunks))) == 35


@pytest.mark.parametrize("extension", ["csv", "geojson"])
def test_csv_and_geojson_are_cut_short_too(
    client, requests_dataset, tiny_budget, monkeypatch, extension
):
    # Each row writes at most three values, so the pause comes after the first batch.
    monkeypatch.setattr(soda, "soda_value", slow_value(after=35, pause=0.6))
    query = "$select=case_id, latitude, longitude&$limit=50"
    response = client.get(f"/resource/service-requests.{extension}?{query}")
    assert response.status_code == 200
    with pytest.raises(soda.AnswerCutShort):
        b"".join(response.streaming_content)


def slow_value(after: int, pause: float, real=soda.soda_value):
    calls = 0

    def write(value):
        nonlocal calls
        calls += 1
        if calls == after:
            time.sleep(pause)
        return real(value)

    return write


def test_a_real_client_sees_a_cut_connection_not_a_short_answer(
    live_server, requests_dataset, tiny_budget, monkeypatch, transactional_db
):
    monkeypatch.setattr(soda, "json_batch_writer", slow_after(10, 0.6))
    url = f"{live_server.url}/resource/service-requests.json?$limit=50"
    with pytest.raises((requests.exceptions.RequestException, ValueError)):
        requests.get(url, timeout=30).json()
