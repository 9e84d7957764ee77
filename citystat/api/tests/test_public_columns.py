"""One rule decides which columns are public, for SODA, downloads, measures and pages."""

from __future__ import annotations

import pytest

from citystat.api.soql import columns_from_schema
from citystat.catalog.models import Dataset
from citystat.catalog.visibility import field_is_public


@pytest.mark.parametrize(
    ("marking", "public"),
    [({}, True), ({"public": True}, True), ({"public": False}, False), ({"public": None}, False),
     ({"public": 0}, False), ({"public": "no"}, False)],
)  # fmt: skip
def test_only_an_unmarked_or_true_field_is_public(marking, public):
    assert field_is_public({"name": "x", **marking}) is public


def test_the_catalog_and_soql_agree_on_a_doubtful_marking():
    schema = {"fields": [{"name": "id"}, {"name": "address", "public": None}]}
    dataset = Dataset(slug="d", title="D", table_schema=schema)
    assert [spec["name"] for spec in dataset.public_fields] == ["id"]
    assert list(columns_from_schema(schema["fields"])) == ["id"]
