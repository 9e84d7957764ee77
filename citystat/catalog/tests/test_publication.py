"""Issue #16, Medium 8: data stewards cannot make data public; each change is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from citystat.accounts.models import AuditEntry
from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import make_person, signed_in
from citystat.catalog.models import Dataset
from citystat.catalog.publication import Exposure, exposure_of, widening


@pytest.fixture
def steward(db) -> User:
    sync_roles()
    return make_person("sam", Role.DATA_STEWARD)


@pytest.fixture
def office(db) -> User:
    sync_roles()
    return make_person("alice", Role.PERFORMANCE_STAFF)


@pytest.fixture
def internal(db) -> Dataset:
    return Dataset.objects.create(
        slug="permits",
        title="Permits",
        table_schema={"fields": [{"name": "id"}, {"name": "owner", "public": False}]},
    )


def edit_form(dataset: Dataset, **changes) -> dict[str, Any]:
    form = {
        "title": dataset.title,
        "update_frequency": dataset.update_frequency,
        "tags": "[]",
        "table_schema": json.dumps(dataset.table_schema),
        "column_map": "{}",
        "ignored_columns": "[]",
        **changes,
    }
    return {key: value for key, value in form.items() if value is not None}


def publication_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_repr__contains=": made"))


def test_exposure_counts_columns_only_of_a_public_dataset():
    schema = {"fields": [{"name": "id"}, {"name": "owner", "public": False}]}
    assert exposure_of(False, schema) == Exposure(False, frozenset())
    assert exposure_of(True, schema) == Exposure(True, frozenset({"id"}))
    before, after = exposure_of(False, schema), exposure_of(True, schema)
    assert widening(before, after) == ["the dataset itself", "column 'id'"]


def test_a_data_steward_cannot_make_a_dataset_public(steward, internal):
    client = signed_in(steward)
    response = client.post("/staff/datasets/permits/edit/", edit_form(internal, is_public="on"))
    assert response.status_code == 200
    assert "This would make the dataset itself, column &#x27;id&#x27; public" in (
        response.content.decode()
    )
    internal.refresh_from_db()
    assert not internal.is_public


def test_a_data_steward_cannot_show_a_withheld_column(steward, internal):
    Dataset.objects.filter(pk=internal.pk).update(is_public=True)
    internal.refresh_from_db()
    shown = {"fields": [{"name": "id"}, {"name": "owner"}]}
    form = edit_form(internal, is_public="on", table_schema=json.dumps(shown))
    response = signed_in(steward).post("/staff/datasets/permits/edit/", form)
    assert "This would make column &#x27;owner&#x27; public" in response.content.decode()
    internal.refresh_from_db()
    assert internal.table_schema["fields"][1] == {"name": "owner", "public": False}


def test_a_data_steward_may_withhold_a_column_and_it_is_audited(steward, internal):
    Dataset.objects.filter(pk=internal.pk).update(is_public=True)
    internal.refresh_from_db()
    hidden = {"fields": [{"name": "id", "public": False}, {"name": "owner", "public": False}]}
    form = edit_form(internal, is_public="on", table_schema=json.dumps(hidden))
    response = signed_in(steward).post("/staff/datasets/permits/edit/", form)
    assert response.status_code == 302
    [entry] = publication_entries()
    assert entry.changes == {"public columns": {"shown": [], "withheld": ["id"]}}
    assert entry.username == "sam"


def test_a_data_steward_cannot_create_a_public_dataset(steward, tmp_path):
    sample = SimpleUploadedFile("p.csv", b"id,kind\n1,a\n", content_type="text/csv")
    response = signed_in(steward).post(
        "/staff/datasets/new/",
        {"slug": "potholes", "title": "Potholes", "is_public": "on", "sample": sample},
    )
    assert "This would make the dataset itself public" in response.content.decode()
    assert not Dataset.objects.filter(slug="potholes").exists()


def test_a_data_steward_may_not_open_the_publicity_page(steward, internal):
    assert signed_in(steward).get("/staff/datasets/permits/public/").status_code == 403


def test_the_performance_office_makes_a_dataset_public_and_it_is_audited(office, internal):
    client = signed_in(office)
    response = client.post(
        "/staff/datasets/permits/public/", {"is_public": "on", "public_columns": ["id"]}
    )
    assert response["Location"] == "/staff/datasets/permits/"
    internal.refresh_from_db()
    assert internal.is_public
    assert [spec["name"] for spec in internal.public_fields] == ["id"]
    [entry] = publication_entries()
    assert entry.object_repr == "Permits: made public"
    assert entry.changes == {
        "is_public": [False, True],
        "public columns": {"shown": ["id"], "withheld": []},
    }
    assert entry.username == "alice"
