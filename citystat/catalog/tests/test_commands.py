"""`citystat ingest`, `citystat datasets` and the Kansas City preset, as a person runs them."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset

from .conftest import FIXTURES, write


def test_the_kc_preset_creates_and_loads_the_dataset_from_the_real_export(db, capsys):
    call_command(
        "ingest",
        "service-requests",
        str(FIXTURES / "kc311_sample.csv"),
        "--preset",
        "kcmo-311",
        verbosity=0,
    )
    assert (
        "service-requests v1: 200 rows read, 0 rejected, 200 published." in capsys.readouterr().out
    )
    dataset = Dataset.objects.get(slug="service-requests")
    assert "ADDRESS WITH GEOCODE" in dataset.ignored_columns
    assert warehouse.row_count("service-requests") == 200


def test_real_export_line_numbers_count_the_line_break_inside_the_geocoded_address(db, tmp_path):
    text = (FIXTURES / "kc311_sample.csv").read_text(encoding="utf-8-sig")
    # Every record of the real export spans two lines; the third starts on line 6.
    broken = text.replace(",2/5/20,3:55 PM,", ",13/5/20,3:55 PM,", 1)
    path = write(tmp_path, broken, "kc.csv")
    with pytest.raises(CommandError) as caught:
        call_command("ingest", "service-requests", str(path), "--preset", "kcmo-311", verbosity=0)
    message = str(caught.value)
    assert caught.value.returncode == 2
    assert "dataset 'service-requests', file" in message
    assert "line 6, field 'created_date', value '13/" in message


def test_ingest_of_an_unknown_dataset_names_the_known_ones_and_exits_2(db, tmp_path):
    Dataset.objects.create(slug="budget", title="Budget", table_schema={"fields": [{"name": "a"}]})
    with pytest.raises(CommandError, match=r"no dataset 'nope' \(known: budget\)") as caught:
        call_command("ingest", "nope", "x.csv")
    assert caught.value.returncode == 2


def test_ingest_prints_the_rejects_under_the_refusal(scores, tmp_path):
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n2,soon,4\n")
    with pytest.raises(CommandError) as caught:
        call_command("ingest", "scores", str(path), verbosity=0)
    assert "  line 3, field 'opened': 'soon', expected a date like %m/%d/%y" in str(caught.value)


def test_ingest_with_ignore_and_map_options(scores, tmp_path, capsys):
    path = write(tmp_path, "ident,opened,score,extra\n7,01/07/2020,3,x\n")
    call_command(
        "ingest", "scores", str(path), "--map", "id=ident", "--ignore", "extra", verbosity=0
    )
    assert "1 published" in capsys.readouterr().out


def test_datasets_lists_version_rows_last_load_and_staleness(requests_dataset, tmp_path, capsys):
    call_command("ingest", "service-requests", str(FIXTURES / "kc311_sample.csv"), verbosity=0)
    capsys.readouterr()
    call_command("datasets")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "service-requests  311 service requests"
    assert lines[1].startswith("  v1, 200 rows; last load v1 published ")


def test_datasets_json_is_an_array_for_scripts(requests_dataset, scores, tmp_path, capsys):
    call_command("ingest", "service-requests", str(FIXTURES / "kc311_sample.csv"), verbosity=0)
    capsys.readouterr()
    call_command("datasets", "--json")
    listed = {entry["slug"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert listed["service-requests"]["published_version"] == 1
    assert listed["service-requests"]["row_count"] == 200
    assert listed["service-requests"]["last_load"]["status"] == "published"
    assert listed["service-requests"]["stale"] is False
    assert listed["scores"]["published_version"] is None and listed["scores"]["last_load"] is None
