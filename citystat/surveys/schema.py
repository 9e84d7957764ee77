"""The catalog Table Schema a survey file must satisfy, derived from its definition."""

from __future__ import annotations

from typing import Any

from citystat.surveys.definition import SurveyDefinition

# Real exports write "NA" or leave blank for unanswered questions.
MISSING_MARKERS = ["", "NA", "N/A"]


def table_schema_for(definition: SurveyDefinition, file_columns: list[str]) -> dict[str, Any]:
    """Return a Table Schema that types the definition's columns and keeps the rest as text.

    Answer codes outside the scale and negative weights then fail the catalog's load,
    row by row, before anything is published.
    """
    scale = definition.scale
    allowed = sorted({*range(scale.minimum, scale.maximum + 1), *scale.dont_know})
    item_codes = {item.code for item in definition.items}
    fields: list[dict[str, Any]] = []
    for column in file_columns:
        spec: dict[str, Any] = {"name": column, "type": "string"}
        if column in item_codes:
            spec = {
                "name": column,
                "type": "integer",
                "title": definition.item(column).label,
                "constraints": {"enum": allowed},
            }
        elif column == definition.weight:
            spec = {"name": column, "type": "number", "constraints": {"minimum": 0}}
        elif column == definition.respondent:
            spec = {"name": column, "type": "integer", "constraints": {"required": True}}
        elif column == definition.district:
            spec = {"name": column, "type": "integer"}
        elif column == definition.date:
            spec = {"name": column, "type": "date", "format": "any"}
        fields.append(spec)
    schema: dict[str, Any] = {"fields": fields, "missingValues": MISSING_MARKERS}
    if definition.respondent:
        # Waves accumulate in one dataset, and a survey firm may number each wave's
        # respondents from 1 again: a respondent is one within a wave.
        schema["primaryKey"] = [definition.wave, definition.respondent]
    return schema
