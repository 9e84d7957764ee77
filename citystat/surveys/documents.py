"""Import and export survey definitions as YAML, with links to the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from citystat.catalog.models import Dataset
from citystat.plan.models import Goal, Measure
from citystat.surveys.definition import DefinitionError, load_definition_file
from citystat.surveys.models import ItemLink, Survey


def import_survey(path: Path, is_public: bool | None = None) -> Survey:
    """Create or replace the survey described in `path`; nothing changes on any error."""
    definition = load_definition_file(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    dataset = Dataset.objects.filter(slug=definition.dataset).first()
    if dataset is None:
        raise DefinitionError(
            f"{path}: dataset {definition.dataset!r} is not in the catalog; "
            "create it and load the survey file first."
        )
    definition.check_columns([field["name"] for field in dataset.fields])
    links = _links(document.get("links") or [], {item.code for item in definition.items}, path)
    with transaction.atomic():
        survey, _ = Survey.objects.update_or_create(
            slug=definition.slug,
            defaults={
                "title": definition.title,
                "kind": definition.kind,
                "dataset": dataset,
                "definition": {key: value for key, value in document.items() if key != "links"},
                **({"is_public": is_public} if is_public is not None else {}),
            },
        )
        survey.links.all().delete()
        ItemLink.objects.bulk_create(ItemLink(survey=survey, **link) for link in links)
    return survey


def export_survey(survey: Survey) -> str:
    """Return the survey's definition and plan links as YAML that `import_survey` reads."""
    document: dict[str, Any] = dict(survey.definition)
    links = []
    for link in survey.links.select_related("goal", "measure"):
        entry: dict[str, Any] = {"item": link.item}
        if link.goal:
            entry["goal"] = link.goal.slug
        if link.measure:
            entry["measure"] = link.measure.slug
        if link.is_focus:
            entry["focus"] = True
        links.append(entry)
    if links:
        document["links"] = links
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _links(entries: list[Any], items: set[str], path: Path) -> list[dict[str, Any]]:
    links = []
    for index, entry in enumerate(entries):
        where = f"{path}: links[{index}]"
        if not isinstance(entry, dict) or entry.get("item") not in items:
            raise DefinitionError(f"{where}: 'item' must be one of the survey's item columns.")
        goal = measure = None
        if entry.get("goal"):
            goal = Goal.objects.filter(
                slug=entry["goal"], priority_area__plan__is_current=True
            ).first()
            if goal is None:
                raise DefinitionError(f"{where}: no goal {entry['goal']!r} in the current plan.")
        if entry.get("measure"):
            measure = Measure.objects.filter(slug=entry["measure"]).first()
            if measure is None:
                raise DefinitionError(f"{where}: no measure {entry['measure']!r}.")
        if goal is None and measure is None:
            raise DefinitionError(f"{where}: name a goal or a measure (by slug).")
        links.append(
            {
                "item": entry["item"],
                "goal": goal,
                "measure": measure,
                "is_focus": bool(entry.get("focus")),
            }
        )
    return links
