import csv
from pathlib import Path

import pytest

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.demo.generator.surveys import write_employee_survey, write_resident_survey
from citystat.surveys.schema import table_schema_for


@pytest.fixture(scope="session")
def demo_survey_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demo-surveys")
    write_resident_survey(folder / "resident_survey.csv", 2024)
    write_employee_survey(folder / "employee_survey.csv", 2024)
    return {"resident": folder / "resident_survey.csv", "employee": folder / "employee_survey.csv"}


def load_survey_file(definition, path: Path) -> Dataset:
    """Publish `path` as the definition's dataset, typed by the schema the survey implies."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    dataset = Dataset.objects.create(
        slug=definition.dataset,
        title=definition.title,
        table_schema=table_schema_for(definition, header),
    )
    ingest(dataset, path)
    return dataset
