"""Write a realistic, seeded demo city modeled on Kansas City, MO: `citystat demo-data`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rich.progress import Progress

from citystat.demo.generator.budget import write_budget
from citystat.demo.generator.city_profile import write_city_yaml
from citystat.demo.generator.demolitions import demolition_count, write_demolitions
from citystat.demo.generator.geography import load_geography, write_boundaries
from citystat.demo.generator.service_requests import write_service_requests
from citystat.demo.generator.staffing import write_staffing
from citystat.demo.generator.surveys import write_employee_survey, write_resident_survey
from citystat.lib.errors import CitystatError
from citystat.lib.progress import make_progress

OUTPUT_FILES = (
    "service_requests.csv",
    "budget.csv",
    "resident_survey.csv",
    "employee_survey.csv",
    "staffing.csv",
    "demolitions.csv",
    "neighborhoods.geojson",
    "council_districts.geojson",
    "city.yaml",
)
# Each neighborhood's pool holds this many points; small cities need fewer to look random.
MAX_POINTS_PER_AREA = 2000


def generate_city(
    out_dir: Path, rows: int = 200_000, seed: int = 2024, progress: bool = False
) -> dict[str, int]:
    """Write every demo file into the existing folder `out_dir`; return file → row count."""
    with make_progress() if progress else Progress(disable=True) as bar:
        files_task = bar.add_task("Demo files", total=len(OUTPUT_FILES))
        rows_task = bar.add_task("311 requests", total=rows)

        def advance_rows(count: int) -> None:
            bar.advance(rows_task, count)

        def file_done() -> None:
            bar.advance(files_task)

        points = min(MAX_POINTS_PER_AREA, max(300, rows // 200))
        geography = load_geography(seed, points_per_area=points)
        counts = {
            "service_requests.csv": write_service_requests(
                out_dir / "service_requests.csv", rows, seed, geography, advance_rows
            )
        }
        file_done()
        for name, write in (
            ("budget.csv", write_budget),
            ("resident_survey.csv", write_resident_survey),
            ("employee_survey.csv", write_employee_survey),
            ("staffing.csv", write_staffing),
        ):
            counts[name] = write(out_dir / name, seed)
            file_done()
        counts["demolitions.csv"] = write_demolitions(
            out_dir / "demolitions.csv", geography, demolition_count(rows), seed
        )
        file_done()
        counts.update(write_boundaries(out_dir))
        file_done()
        file_done()
        counts["city.yaml"] = write_city_yaml(out_dir / "city.yaml")
        file_done()
    return counts


def write_demo_data(
    out_dir: Path, rows: int = 200_000, seed: int = 2024, progress: bool = False
) -> dict[str, int]:
    """Generate the demo city into `out_dir` all at once, or leave nothing behind.

    Files go to a temporary folder next to `out_dir` (the same file system, so moving them
    is a rename) and move into place only after every file is written.
    """
    if rows < 1:
        raise CitystatError(
            f"--rows must be a positive number of 311 requests, not {rows}; try --rows 200000."
        )
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise CitystatError(
            f"--out {out_dir} is a file, not a folder; give a folder path to write into."
        )
    parent = out_dir.parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=parent))
    except OSError as error:
        raise CitystatError(
            f"cannot write next to --out {out_dir} ({error.strerror}); "
            "choose a folder in a place you can write."
        ) from None
    try:
        counts = generate_city(staging, rows=rows, seed=seed, progress=progress)
        out_dir.mkdir(exist_ok=True)
        for name in OUTPUT_FILES:
            (staging / name).replace(out_dir / name)
    except OSError as error:
        raise CitystatError(
            f"cannot write the demo files to {out_dir} ({error.strerror}); "
            "check the folder's permissions and free space."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts
