"""`citystat dataset draft|create|update|delete`, as a person runs them (issue #17)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.accounts.models import AuditEntry
from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import make_person
from citystat.catalog import warehouse
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset
from citystat.city.models import Department

from .conftest import write

# Another city's layout: 12-hour datetimes with seconds, an id called SRNumber, personal
# columns, a yes/no flag and a decimal.
OTHER_CITY = (
    "SRNumber,CreatedDate,UpdatedDate,Anonymous,RequestType,Owner,Address,ZipCode,"
    "Latitude,CD,ServiceDate,Phone\n"
    "1-3001,12/27/2017 01:36:22 PM,2017-12-28T09:00:00,Y,Bulky Items,BOS,1 Main St,"
    "90012,34.05,1,12/30/2017,555-0100\n"
    "1-3002,12/27/2017 12:05:00 AM,2017-12-29T17:30:15,N,Graffiti,OCB,2 Main St,"
    "90013,34.1,15,01/02/2018,\n"
    "1-3003,01/02/2018 11:59:59 PM,,N,Graffiti,OCB,3 Main St,90013,33.9,7,,\n"
)


def draft(capsys, *paths, **options) -> tuple[dict[str, Any], str]:
    call_command("dataset", "draft", *[str(path) for path in paths], **options)
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def by_name(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {spec["name"]: spec for spec in schema["fields"]}


def test_draft_detects_types_and_twelve_hour_datetimes_with_their_format(db, tmp_path, capsys):
    schema, _ = draft(capsys, write(tmp_path, OTHER_CITY, "requests.csv"))
    fields = by_name(schema)
    assert fields["createddate"]["type"] == "datetime"
    assert fields["createddate"]["format"] == "%m/%d/%Y %I:%M:%S %p"
    assert fields["updateddate"] == {
        "name": "updateddate",
        "type": "datetime",
        "title": "UpdatedDate",
        "format": "%Y-%m-%dT%H:%M:%S",
    }
    assert fields["servicedate"]["type"] == "date"
    assert fields["servicedate"]["format"] == "%m/%d/%Y"
    assert fields["anonymous"]["type"] == "boolean"
    assert fields["zipcode"]["type"] == "integer"
    assert fields["cd"]["type"] == "integer"
    assert fields["latitude"]["type"] == "number"
    assert fields["requesttype"]["type"] == "string"


def test_draft_suggests_a_key_and_withholds_personal_columns(db, tmp_path, capsys):
    schema, notes = draft(capsys, write(tmp_path, OTHER_CITY, "requests.csv"))
    assert schema["primaryKey"] == ["srnumber"]
    fields = by_name(schema)
    assert fields["address"]["public"] is False
    assert fields["phone"]["public"] is False
    assert fields["owner"]["public"] is False
    assert "public" not in fields["requesttype"]
    assert "Suggested key: srnumber" in notes
    assert "address" in notes


def test_draft_keeps_zero_padded_codes_as_text_and_reads_iso_fractions(db, tmp_path, capsys):
    text = "zip,amount,seen\n00501,0.5,2018-01-01T10:00:00.123\n12345,10,2018-01-02T10:00:00.5\n"
    fields = by_name(draft(capsys, write(tmp_path, text))[0])
    assert fields["zip"]["type"] == "string"
    assert fields["amount"]["type"] == "number"
    assert fields["seen"]["format"] == "%Y-%m-%dT%H:%M:%S.%f"


def test_draft_does_not_suggest_a_key_that_repeats_or_is_empty(db, tmp_path, capsys):
    text = "code,ticket\nA,1\nA,2\nB,\n"
    schema, _ = draft(capsys, write(tmp_path, text))
    assert "primaryKey" not in schema


def test_draft_of_several_files_unions_columns_and_widens_types(db, tmp_path, capsys):
    first = write(tmp_path, "Case Number,amount,opened\n1,5,2018-01-02\n2,7,2018-01-03\n", "a.csv")
    second = write(
        tmp_path,
        "CASE NUMBER,Amount,Opened,note\n3,7.5,2018-01-04 10:15:00,hi\n4,1,2018-01-05,\n",
        "b.csv",
    )
    schema, _ = draft(capsys, first, second)
    fields = by_name(schema)
    assert list(fields) == ["case_number", "amount", "opened", "note"]
    assert fields["case_number"]["type"] == "integer"
    assert fields["amount"]["type"] == "number"
    assert fields["opened"]["type"] == "datetime"
    assert fields["opened"]["format"] == "any"
    assert schema["primaryKey"] == ["case_number"]
    # The same files in the other order draft the same types.
    reverse, _ = draft(capsys, second, first)
    assert {n: s["type"] for n, s in by_name(reverse).items()} == {
        n: s["type"] for n, s in fields.items()
    }


def test_draft_reads_only_the_sample(db, tmp_path, capsys):
    rows = "".join(f"{n},{n}\n" for n in range(1, 11)) + "11,not a number\n"
    schema, _ = draft(capsys, write(tmp_path, "id,value\n" + rows), sample_rows=10)
    assert by_name(schema)["value"]["type"] == "integer"


def test_a_drafted_schema_creates_a_dataset_that_loads_its_file(db, tmp_path, capsys):
    source = write(tmp_path, OTHER_CITY, "requests.csv")
    schema, _ = draft(capsys, source)
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    call_command("dataset", "create", "requests", "--schema", str(schema_file))
    dataset = Dataset.objects.get(slug="requests")
    version = ingest(dataset, source)
    assert version.row_count == 3
    expected = pd.read_csv(source)
    expected["created"] = pd.to_datetime(expected["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    with warehouse._connect() as connection:
        got = connection.execute(
            f"select srnumber, createddate from {warehouse.table_name('requests')} "
            "order by srnumber"
        ).fetchall()
    assert [(number, pd.Timestamp(created)) for number, created in got] == list(
        zip(expected["SRNumber"], expected["created"], strict=True)
    )


def test_draft_of_a_missing_file_names_it_and_exits_2(db, tmp_path):
    with pytest.raises(CommandError, match="nope.csv: no such file") as caught:
        call_command("dataset", "draft", str(tmp_path / "nope.csv"))
    assert caught.value.returncode == 2


@pytest.fixture
def schema_file(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(
        json.dumps(
            {
                "fields": [
                    {"name": "id", "type": "integer"},
                    {"name": "address", "type": "string", "public": False},
                ],
                "primaryKey": ["id"],
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def office(db) -> User:
    sync_roles()
    return make_person("alice", Role.PERFORMANCE_STAFF)


@pytest.fixture
def steward(db) -> User:
    sync_roles()
    return make_person("sam", Role.DATA_STEWARD)


def test_create_makes_an_internal_dataset_with_title_and_department(db, schema_file, capsys):
    Department.objects.create(code="public-works", name="Public Works")
    call_command(
        "dataset",
        "create",
        "potholes",
        "--schema",
        str(schema_file),
        "--title",
        "Potholes",
        "--department",
        "public-works",
    )
    dataset = Dataset.objects.get(slug="potholes")
    assert (dataset.title, dataset.department.code, dataset.is_public) == (
        "Potholes",
        "public-works",
        False,
    )
    assert dataset.table_schema["primaryKey"] == ["id"]
    assert "Created potholes (internal, 2 fields)" in capsys.readouterr().out


def test_create_refuses_a_bad_schema_file_naming_it_and_creates_nothing(db, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text('{"fields": [{"name": "id", "type": "whole"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"schema.json: field 'id' has type 'whole'"):
        call_command("dataset", "create", "potholes", "--schema", str(path))
    assert not Dataset.objects.exists()


def test_create_public_needs_someone_with_the_publisher_permission(
    db, schema_file, steward, office
):
    arguments = ["dataset", "create", "potholes", "--schema", str(schema_file), "--public"]
    with pytest.raises(CommandError, match="pass --as USERNAME"):
        call_command(*arguments)
    with pytest.raises(CommandError, match="needs the catalog.make_public_dataset permission"):
        call_command(*arguments, "--as", "sam")
    assert not Dataset.objects.exists()
    call_command(*arguments, "--as", "alice")
    assert Dataset.objects.get(slug="potholes").is_public
    entry = AuditEntry.objects.get(object_repr="Potholes: made public")
    assert entry.username == "alice"
    assert entry.changes["public columns"] == {"shown": ["id"], "withheld": []}


def test_update_changes_title_and_publicity_through_the_publisher_path(db, schema_file, office):
    call_command("dataset", "create", "potholes", "--schema", str(schema_file))
    call_command("dataset", "update", "potholes", "--title", "Pothole repairs")
    assert Dataset.objects.get(slug="potholes").title == "Pothole repairs"
    with pytest.raises(CommandError, match="pass --as USERNAME"):
        call_command("dataset", "update", "potholes", "--public")
    call_command("dataset", "update", "potholes", "--public", "--as", "alice")
    assert Dataset.objects.get(slug="potholes").is_public
    call_command("dataset", "update", "potholes", "--internal")
    assert not Dataset.objects.get(slug="potholes").is_public


def test_update_refuses_a_schema_the_published_data_cannot_follow(db, schema_file, tmp_path):
    call_command("dataset", "create", "potholes", "--schema", str(schema_file))
    ingest(Dataset.objects.get(slug="potholes"), write(tmp_path, "id,address\n1,a\n"))
    changed = tmp_path / "changed.json"
    changed.write_text(
        json.dumps({"fields": [{"name": "id", "type": "string"}, {"name": "ward"}]}),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("dataset", "update", "potholes", "--schema", str(changed))
    message = str(caught.value)
    assert "field 'ward' is new" in message
    assert "field 'address' is gone" in message
    assert "field 'id' changes from integer to string" in message
    assert Dataset.objects.get(slug="potholes").fields[0]["type"] == "integer"
    # A title or a withheld column is a safe change.
    safe = tmp_path / "safe.json"
    schema = json.loads(schema_file.read_text())
    schema["fields"][0]["title"] = "Case"
    safe.write_text(json.dumps(schema), encoding="utf-8")
    call_command("dataset", "update", "potholes", "--schema", str(safe))
    assert Dataset.objects.get(slug="potholes").fields[0]["title"] == "Case"


def test_a_dataset_whose_first_load_failed_can_be_deleted_with_its_files(
    db, schema_file, tmp_path, capsys
):
    call_command("dataset", "create", "potholes", "--schema", str(schema_file))
    dataset = Dataset.objects.get(slug="potholes")
    with pytest.raises(IngestError):
        ingest(dataset, write(tmp_path, "id,address\nnot a number,a\n"))
    assert dataset.versions.get().status == "failed"
    call_command("dataset", "delete", "potholes")
    assert not Dataset.objects.exists()
    assert not warehouse.dataset_folder("potholes").exists()
    assert "Deleted potholes" in capsys.readouterr().out


def test_delete_removes_published_versions_and_their_files(db, schema_file, tmp_path):
    call_command("dataset", "create", "potholes", "--schema", str(schema_file))
    ingest(Dataset.objects.get(slug="potholes"), write(tmp_path, "id,address\n1,a\n"))
    assert warehouse.version_path("potholes", 1).exists()
    call_command("dataset", "delete", "potholes")
    assert not warehouse.version_path("potholes", 1).exists()
    assert warehouse.row_count("potholes") is None


def test_update_or_delete_of_an_unknown_dataset_names_the_known_ones(db, schema_file):
    call_command("dataset", "create", "potholes", "--schema", str(schema_file))
    with pytest.raises(CommandError, match=r"no dataset 'nope' \(known: potholes\)"):
        call_command("dataset", "delete", "nope")
