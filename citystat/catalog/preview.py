"""What residents may see of a dataset: its data dictionary and a preview of public fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from citystat.catalog import engines
from citystat.catalog.models import Dataset
from citystat.catalog.visibility import field_is_public

PREVIEW_ROWS = 20
# A field's type as residents read it in the data dictionary, in their language.
TYPE_WORDS = {
    "string": pgettext_lazy("field type", "string"),
    "integer": pgettext_lazy("field type", "integer"),
    "number": pgettext_lazy("field type", "number"),
    "boolean": pgettext_lazy("field type", "boolean"),
    "date": pgettext_lazy("field type", "date"),
    "datetime": pgettext_lazy("field type", "datetime"),
    "time": pgettext_lazy("field type", "time"),
    "year": pgettext_lazy("field type", "year"),
}


@dataclass
class DictionaryEntry:
    name: str
    title: str
    type: str
    description: str
    rules: list[str]
    public: bool


def data_dictionary(dataset: Dataset) -> list[DictionaryEntry]:
    """Describe every field in plain words, withheld ones included (their values never shown)."""
    entries = []
    for spec in dataset.fields:
        constraints = spec.get("constraints") or {}
        rules = []
        if constraints.get("required"):
            rules.append(_("always filled in"))
        if constraints.get("unique"):
            rules.append(_("unique"))
        if "enum" in constraints:
            allowed = ", ".join(str(value) for value in constraints["enum"])
            rules.append(_("one of %(values)s") % {"values": allowed})
        if "minimum" in constraints:
            rules.append(_("at least %(minimum)s") % {"minimum": constraints["minimum"]})
        if "maximum" in constraints:
            rules.append(_("at most %(maximum)s") % {"maximum": constraints["maximum"]})
        field_type = spec.get("type", "string")
        entries.append(
            DictionaryEntry(
                name=spec["name"],
                title=spec.get("title", spec["name"]),
                type=str(TYPE_WORDS.get(field_type, field_type)),
                description=spec.get("description", ""),
                rules=rules,
                public=field_is_public(spec),
            )
        )
    return entries


def preview_rows(
    dataset: Dataset, limit: int = PREVIEW_ROWS
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Return the public columns' titles and the first `limit` published rows of them."""
    fields = dataset.public_fields
    if not fields or dataset.latest_version is None:
        return [], []
    names = [spec["name"] for spec in fields]
    with engines.open_session() as session:
        table = session.table(dataset.slug)
        if not set(names) <= set(table.columns):
            # A schema edited after the last load may name a column the version lacks.
            return [], []
        found = session.backend.to_pyarrow(table.select(*names).limit(limit))
    rows = [tuple(row.values()) for row in found.to_pylist()]
    return [spec.get("title", spec["name"]) for spec in fields], rows
