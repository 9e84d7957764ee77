"""Load service profiles from YAML, checking every source they name before saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from citystat.catalog.models import Dataset
from citystat.surveys.definition import DefinitionError
from citystat.surveys.evidence import BUDGET_FIELDS, REQUEST_FIELDS, STAFFING_FIELDS
from citystat.surveys.models import ServiceProfile, Survey

SOURCE_FIELDS = {"requests": REQUEST_FIELDS, "staffing": STAFFING_FIELDS, "budget": BUDGET_FIELDS}


def import_services(path: Path) -> list[ServiceProfile]:
    """Replace the service profiles with those in `path`; nothing changes on any error."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError) as error:
        raise DefinitionError(f"{path}: cannot be read ({error}).") from None
    entries = document.get("services") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DefinitionError(f"{path}: expected 'services:' with a list of services.")
    rows = [_service(entry, f"{path}: services[{index}]") for index, entry in enumerate(entries)]
    with transaction.atomic():
        ServiceProfile.objects.all().delete()
        return [
            ServiceProfile.objects.create(position=position, **row)
            for position, row in enumerate(rows)
        ]


def _service(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise DefinitionError(f"{where}: expected a mapping.")
    for key in ("slug", "title", "department"):
        if not entry.get(key):
            raise DefinitionError(f"{where}: '{key}' is required.")
    surveys = {}
    for key in ("resident_survey", "employee_survey"):
        if entry.get(key):
            survey = Survey.objects.filter(slug=entry[key]).first()
            if survey is None:
                raise DefinitionError(f"{where}: no survey {entry[key]!r}; import it first.")
            surveys[key] = survey
    resident = surveys.get("resident_survey")
    if resident and entry.get("item") not in [item.code for item in resident.layout().items]:
        raise DefinitionError(
            f"{where}: item {entry.get('item')!r} is not in survey {resident.slug!r}."
        )
    for source, fields in SOURCE_FIELDS.items():
        if entry.get(source):
            _check_source(entry[source], fields, f"{where}.{source}")
    definition = {
        key: entry[key]
        for key in ("item", "department", "division", "requests", "staffing", "budget")
        if key in entry
    }
    return {
        "slug": entry["slug"],
        "title": entry["title"],
        "summary": entry.get("summary", ""),
        "definition": definition,
        **surveys,
    }


def _check_source(source: Any, fields: tuple[str, ...], where: str) -> None:
    slug = source.get("dataset") if isinstance(source, dict) else None
    dataset = Dataset.objects.filter(slug=slug).first() if slug else None
    if dataset is None:
        raise DefinitionError(f"{where}: dataset {slug!r} is not in the catalog.")
    present = {spec["name"] for spec in dataset.fields}
    missing = [name for name in fields if name not in present]
    if missing:
        raise DefinitionError(
            f"{where}: dataset {slug!r} lacks {', '.join(missing)}; "
            "map its columns onto these field names when loading it."
        )
