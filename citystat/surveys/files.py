"""Publish a survey's respondent file through the catalog, or refuse it with its problems.

The file must carry every column its definition names; each answer must be a code of the
scale (or the "don't know" code) and each weight a number not below 0. A file that breaks
any of this is refused whole: the person sees the first ten problems with their line and
column, and the published survey data stays as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path

from citystat.catalog.ingest import ingest
from citystat.catalog.load import IngestError
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.lib.errors import CitystatError
from citystat.surveys.definition import DefinitionError, SurveyDefinition
from citystat.surveys.schema import table_schema_for

PROBLEMS_SHOWN = 10


class SurveyFileError(CitystatError):
    """A survey file that was refused; `problems` holds one plain sentence each."""

    def __init__(self, path: Path, problems: list[str], total: int) -> None:
        self.problems = problems
        more = f"\n… and {total - len(problems)} more" if total > len(problems) else ""
        listed = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(
            f"{path.name}: refused, nothing was published ({total} problem"
            f"{'s' if total != 1 else ''}):\n{listed}{more}"
        )


def file_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def publish_survey_file(definition: SurveyDefinition, path: Path) -> DatasetVersion:
    """Load `path` as the definition's dataset and publish it, or raise SurveyFileError."""
    header = file_header(path)
    try:
        definition.check_columns(header)
    except DefinitionError as error:
        raise SurveyFileError(path, [str(error)], 1) from None
    dataset, _ = Dataset.objects.get_or_create(
        slug=definition.dataset,
        defaults={"title": definition.title, "is_public": definition.kind == "resident"},
    )
    dataset.table_schema = table_schema_for(definition, header)
    dataset.save(update_fields=["table_schema"])
    try:
        return ingest(dataset, path, started_by="citystat survey load")
    except IngestError as error:
        rejects = error.report.get("rejects") or []
        if not rejects:
            raise SurveyFileError(path, [str(error)], 1) from None
        problems = [describe_reject(reject, definition) for reject in rejects[:PROBLEMS_SHOWN]]
        total = int(error.report.get("rows_rejected") or len(rejects))
        raise SurveyFileError(path, problems, max(total, len(rejects))) from None


def describe_reject(reject: dict, definition: SurveyDefinition) -> str:
    column, value = reject.get("field"), reject.get("value")
    where = f"line {reject.get('line')}, column {column!r}"
    if column == definition.weight:
        return f"{where}: weight {value!r} — weights are numbers of 0 or more."
    codes = {item.code for item in definition.items}
    if column in codes:
        scale = definition.scale
        allowed = f"{scale.minimum}–{scale.maximum}"
        if scale.dont_know:
            allowed += " or " + ", ".join(str(code) for code in scale.dont_know) + " (don't know)"
        return f"{where}: answer {value!r} is not on the scale ({allowed})."
    return f"{where}: {value!r}, expected {reject.get('expected')}."
