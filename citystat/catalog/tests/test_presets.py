"""Presets are data files: Kansas City's full status vocabulary, and a city's own preset."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.catalog.presets import PresetError, preset, preset_names, read_preset
from citystat.catalog.schema import SchemaError, validate_schema

from .conftest import FIXTURES

# The real export the issue names (4,493 pothole requests), kept beside the checkouts.
REAL_EXPORT = (
    Path(os.environ.get("CITYSTAT_SHARED_DATA", "/work/shared/data"))
    / "kc311/311_Call_Center_Service_Requests.csv"
)
VOCABULARY = ["OPEN", "ASSIG", "RESOL", "CANC", "DUP"]


def with_statuses(statuses: list[str]) -> str:
    """Return the 200-row real sample with its STATUS column cycled through `statuses`."""
    text = (FIXTURES / "kc311_sample.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("STATUS")
    for number, row in enumerate(rows[1:]):
        row[column] = statuses[number % len(statuses)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_the_shipped_kc_preset_lists_every_status_in_one_group():
    status = next(f for f in preset("kcmo-311")["table_schema"]["fields"] if f["name"] == "status")
    assert sorted(status["constraints"]["enum"]) == sorted(VOCABULARY)
    grouped = [code for codes in status["groups"].values() for code in codes]
    assert sorted(grouped) == sorted(VOCABULARY)
    assert status["groups"]["cancelled"] == ["CANC"] and status["groups"]["duplicate"] == ["DUP"]


@pytest.mark.skipif(not REAL_EXPORT.exists(), reason="the shared real export is not here")
def test_the_real_kc_311_export_loads_with_the_preset_with_no_rejects(db, capsys):
    call_command("ingest", "service-requests", str(REAL_EXPORT), "--preset", "kcmo-311")
    expected = len(pd.read_csv(REAL_EXPORT, dtype=str))
    assert (
        f"service-requests v1: {expected:,} rows read, 0 rejected, {expected:,} published."
        in capsys.readouterr().out
    )


def test_rows_with_each_status_of_the_vocabulary_load_and_keep_their_code(db, tmp_path):
    path = tmp_path / "kc.csv"
    path.write_text(with_statuses(VOCABULARY), encoding="utf-8")
    call_command("ingest", "service-requests", str(path), "--preset", "kcmo-311", verbosity=0)
    with warehouse._connect() as connection:
        loaded = dict(
            connection.execute(
                f"select status, count(*) from {warehouse.table_name('service-requests')} "
                "group by 1"
            ).fetchall()
        )
    expected = pd.read_csv(path, dtype=str)["STATUS"].value_counts().to_dict()
    assert loaded == expected and set(loaded) == set(VOCABULARY)


def test_a_status_outside_the_vocabulary_is_refused_naming_the_line_and_codes(db, tmp_path):
    path = tmp_path / "kc.csv"
    path.write_text(with_statuses(["RESOL", "HOLD"]), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("ingest", "service-requests", str(path), "--preset", "kcmo-311", verbosity=0)
    assert "field 'status'" in str(caught.value) and "'HOLD'" in str(caught.value)
    assert Dataset.objects.get(slug="service-requests").latest_version is None


def test_a_city_adds_its_own_preset_in_its_home_without_code(db, tmp_path, settings, capsys):
    settings.CITYSTAT_HOME = tmp_path
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "springfield-311.yaml").write_text(
        "title: Springfield 311\n"
        "column_map: {request_id: SR NUMBER, state: STATE}\n"
        "table_schema:\n"
        "  primaryKey: [request_id]\n"
        "  fields:\n"
        "    - {name: request_id, type: integer}\n"
        "    - name: state\n"
        "      constraints: {enum: [Open, Closed, Void]}\n"
        "      groups: {open: [Open], closed: [Closed], cancelled: [Void]}\n",
        encoding="utf-8",
    )
    assert "springfield-311" in preset_names() and "kcmo-311" in preset_names()
    source = tmp_path / "sr.csv"
    source.write_text("SR NUMBER,STATE\n1,Open\n2,Void\n", encoding="utf-8")
    call_command("ingest", "sr", str(source), "--preset", "springfield-311")
    assert "sr v1: 2 rows read, 0 rejected, 2 published." in capsys.readouterr().out


def test_an_unknown_preset_names_the_known_ones(db):
    with pytest.raises(CommandError, match=r"no preset 'nope'; known presets: .*kcmo-311"):
        call_command("ingest", "x", "x.csv", "--preset", "nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: T\n", "table_schema: the Table Schema has no 'fields' list"),
        ("title: T\ncolour: red\ntable_schema: {fields: [{name: a}]}\n", "unknown key(s) colour"),
        (
            "title: T\ncolumn_map: {b: B}\ntable_schema: {fields: [{name: a}]}\n",
            "column_map names b, not field(s)",
        ),
        ("title: [\n", "cannot be read"),
    ],
)
def test_a_broken_preset_file_names_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        read_preset(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"open": ["OPEN"], "closed": ["RESOL"]}, "code(s) CANC of its enum are in no group"),
        (
            {"open": ["OPEN"], "closed": ["RESOL", "CANC", "X"]},
            "grouped code(s) X are not in its enum",
        ),
        ({"open": ["OPEN", "RESOL"], "closed": ["RESOL", "CANC"]}, "'RESOL' is in both"),
        ({"opened": ["OPEN"], "closed": ["RESOL", "CANC"]}, "group 'opened' is not one of"),
    ],
)
def test_status_groups_must_cover_the_enum_once_each(groups, message):
    schema = {"fields": [{"name": "status", "constraints": {"enum": ["OPEN", "RESOL", "CANC"]}}]}
    schema["fields"][0]["groups"] = groups
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_schema(schema)
