"""Publish a survey's respondent file through the catalog, or refuse it with its problems.

Each file adds its waves to the survey's dataset; earlier waves stay. A wave already
published is replaced only when asked (`--replace-wave`), by a file of that wave alone.

The file must carry every column its definition names; each answer must be a code of the
scale (or the "don't know" code) and each weight a number not below 0. A file that breaks
any of this is refused whole: the person sees the first ten problems with their line and
column, and the published survey data stays as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb

from citystat.catalog.ingest import ingest
from citystat.catalog.load import IngestError
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.lib.errors import CitystatError
from citystat.surveys.definition import DefinitionError, SurveyDefinition
from citystat.surveys.schema import table_schema_for
from citystat.surveys.waves import label_date, wave_dates

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


def file_waves(definition: SurveyDefinition, path: Path) -> tuple[set[str], list[str]]:
    """Return the waves the file holds, and a problem for each row without one."""
    found: set[str] = set()
    problems: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            label = (row.get(definition.wave) or "").strip()
            if label:
                found.add(label)
            else:
                problems.append(
                    f"line {reader.line_num}, column {definition.wave!r}: no wave; every "
                    "respondent belongs to a wave."
                )
    return found, problems


def published_waves(path: Path, dataset: Dataset | None, definition: SurveyDefinition) -> set[str]:
    """Return the waves the dataset publishes now; none before its first load."""
    if dataset is None or dataset.latest_version is None:
        return set()
    try:
        return set(wave_dates(definition))
    except duckdb.Error as error:
        raise SurveyFileError(
            path,
            [
                f"the published dataset {dataset.slug!r} cannot be read by wave "
                f"{definition.wave!r} ({str(error).splitlines()[0]}); is this the survey's "
                "definition?"
            ],
            1,
        ) from None


def check_waves(
    path: Path,
    definition: SurveyDefinition,
    waves: set[str],
    published: set[str],
    replace_wave: str | None,
) -> None:
    """Refuse a file whose waves are already published, or that replace_wave does not fit."""
    listed = ", ".join(sorted(published)) or "none yet"
    if replace_wave is not None:
        if replace_wave not in published:
            raise SurveyFileError(
                path,
                [
                    f"wave {replace_wave!r} is not published (published: {listed}); load the "
                    "file without --replace-wave to add it."
                ],
                1,
            )
        if waves != {replace_wave}:
            raise SurveyFileError(
                path,
                [
                    f"the file holds wave(s) {', '.join(sorted(waves))}; --replace-wave "
                    f"{replace_wave} takes a file of that wave only."
                ],
                1,
            )
        return
    again = sorted(waves & published)
    if again:
        raise SurveyFileError(
            path,
            [
                f"wave(s) {', '.join(again)} already published; pass --replace-wave "
                f"{again[0]} to replace a wave, or load a file of new waves only."
            ],
            1,
        )
    if definition.date is None:
        undated = sorted(wave for wave in waves if label_date(wave) is None)
        if undated:
            raise SurveyFileError(
                path,
                [
                    f"wave(s) {', '.join(undated)} name no date, so they cannot be put in "
                    "order; write the month and year in the label (SEP2022, 2022-09) or "
                    "name the column of survey dates as 'date' in the definition."
                ],
                1,
            )


def publish_survey_file(
    definition: SurveyDefinition, path: Path, replace_wave: str | None = None
) -> DatasetVersion:
    """Add the file's waves to the survey's dataset and publish it, or raise SurveyFileError.

    Earlier waves stay. A wave already published is refused, unless `replace_wave` names
    it and the file holds only that wave: its rows then replace the published ones.
    """
    header = file_header(path)
    try:
        definition.check_columns(header)
    except DefinitionError as error:
        raise SurveyFileError(path, [str(error)], 1) from None
    waves, problems = file_waves(definition, path)
    if problems:
        raise SurveyFileError(path, problems[:PROBLEMS_SHOWN], len(problems))
    if not waves:
        raise SurveyFileError(path, ["the file has no respondents."], 1)
    dataset = Dataset.objects.filter(slug=definition.dataset).first()
    published = published_waves(path, dataset, definition)
    check_waves(path, definition, waves, published, replace_wave)
    if dataset is None:
        dataset = Dataset.objects.create(
            slug=definition.dataset,
            title=definition.title,
            is_public=definition.kind == "resident",
        )
    previous_schema = dataset.table_schema
    # The published columns stay (an earlier wave may have asked a question this one
    # drops); the catalog leaves this file's missing columns empty.
    earlier = [spec["name"] for spec in previous_schema.get("fields", [])] if published else []
    dataset.table_schema = table_schema_for(definition, list(dict.fromkeys(earlier + header)))
    dataset.save(update_fields=["table_schema"])
    try:
        return ingest(
            dataset,
            path,
            mode="append" if published else "replace",
            replacing=(definition.wave, replace_wave) if replace_wave else None,
            started_by="citystat survey load",
        )
    except IngestError as error:
        dataset.table_schema = previous_schema
        dataset.save(update_fields=["table_schema"])
        rejects = error.report.get("rejects") or []
        if not rejects:
            raise SurveyFileError(path, [str(error)], 1) from None
        problems = [describe_reject(reject, definition) for reject in rejects[:PROBLEMS_SHOWN]]
        total = int(error.report.get("rows_rejected") or len(rejects))
        raise SurveyFileError(path, problems, max(total, len(rejects))) from None


def describe_reject(reject: dict[str, Any], definition: SurveyDefinition) -> str:
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
