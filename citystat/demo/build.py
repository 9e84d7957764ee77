"""Build the demo city end to end, through the same paths a real city uses."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils.text import slugify

from citystat.catalog.exports import build_exports
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.models import Department
from citystat.city.profile import load_city_file
from citystat.demo.datasets import DEMO_DATASETS
from citystat.demo.engagement import build_demo_engagement as build_engagement
from citystat.demo.generator import generate_city
from citystat.demo.goal_narratives import build_demo_goal_narratives
from citystat.demo.measure_stories import build_demo_narratives
from citystat.demo.meetings import build_demo_meetings
from citystat.demo.peers import build_demo_peers
from citystat.lib.errors import CitystatError
from citystat.lib.progress import fraction_progress
from citystat.plan.compute.run import compute_measures
from citystat.plan.documents import load_plan_file
from citystat.plan.models import Measure, Plan
from citystat.surveys.definition import DEFINITIONS_FOLDER
from citystat.surveys.documents import import_survey
from citystat.surveys.services import import_services

PLAN_FILE = Path(__file__).parent / "plan.yaml"
DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 2024
# Bump when the generator or the demo definitions change, so old builds are rebuilt.
BUILD_FORMAT = 12


@dataclass
class DemoBuild:
    data_dir: Path
    rows: int
    seed: int
    reused: bool = False
    loaded: dict[str, int] = field(default_factory=dict)


def demo_folder() -> Path:
    return settings.CITYSTAT_HOME / "demo"


def build_demo_city(
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    fresh: bool = False,
    show_progress: bool = False,
) -> DemoBuild:
    """Migrate, generate the data, set the city, load every dataset, and write the plan.

    A second call with the same size and seed reuses what the first one built.
    """
    call_command("migrate", verbosity=0, interactive=False)
    folder = demo_folder()
    marker = folder / "build.json"
    wanted = {"rows": rows, "seed": seed, "format": BUILD_FORMAT}
    build = DemoBuild(data_dir=folder / "data", rows=rows, seed=seed)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if not fresh and is_complete(marker, wanted):
        build.reused = True
        # A city built before downloads were written ahead (#16) gets its files now.
        build_exports()
        return build
    if marker.exists():
        marker.unlink()
    generate_data(build, show_progress)
    load_city_file(build.data_dir / "city.yaml")
    for definition in DEMO_DATASETS:
        dataset = save_dataset(definition)
        with fraction_progress(f"Loading {dataset.slug}", enabled=show_progress) as advance:
            version = ingest(dataset, build.data_dir / definition["file"], progress=advance)
        build.loaded[dataset.slug] = version.row_count
    ensure_departments(plan_department_names())
    load_plan_file(PLAN_FILE)
    compute_demo_measures(show_progress)
    load_demo_surveys()
    build_demo_peers(rows, seed)
    # After every measure is computed (surveys too): narratives cite the stored values.
    build_demo_narratives()
    # Meetings first: engagement puts residents' questions on them.
    build_demo_meetings(seed)
    build_demo_engagement(seed)
    build_demo_goal_narratives()
    # The demo serves its downloads at once, as a site with a worker would.
    build_exports()
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return build


def build_demo_engagement(seed: int) -> None:
    """Questions on the demo's meetings, updates about neighborhoods, a priorities round."""
    build_engagement(seed)


def compute_demo_measures(show_progress: bool) -> None:
    """Compute every measure of the demo plan; a failure here is a bug in plan.yaml."""
    total = Measure.objects.exclude(spec={}).count() or 1
    with fraction_progress("Computing measures", enabled=show_progress) as advance:
        done: list[str] = []

        def step(slug: str) -> None:
            done.append(slug)
            advance(len(done) / total)

        report = compute_measures(progress=step)
    if report.failed:
        problems = "; ".join(f"{slug}: {why}" for slug, why in sorted(report.failed.items()))
        raise CitystatError(f"the demo plan's measures did not compute: {problems}")


def load_demo_surveys() -> None:
    """Register the demo's surveys (resident public, employee internal) and service profiles."""
    import_survey(DEFINITIONS_FOLDER / "demo-resident.yaml", is_public=True)
    import_survey(DEFINITIONS_FOLDER / "demo-employee.yaml", is_public=False)
    import_services(DEFINITIONS_FOLDER / "demo-services.yaml")


def is_complete(marker: Path, wanted: dict[str, Any]) -> bool:
    if not marker.exists() or json.loads(marker.read_text(encoding="utf-8")) != wanted:
        return False
    slugs = [definition["slug"] for definition in DEMO_DATASETS]
    published = Dataset.objects.filter(slug__in=slugs, versions__status="published").distinct()
    return published.count() == len(slugs) and Plan.current() is not None


def generate_data(build: DemoBuild, show_progress: bool) -> None:
    if build.data_dir.exists():
        shutil.rmtree(build.data_dir)
    build.data_dir.mkdir(parents=True)
    generate_city(build.data_dir, rows=build.rows, seed=build.seed, progress=show_progress)


def save_dataset(definition: dict[str, Any]) -> Dataset:
    department = ensure_departments([definition["department"]])[0]
    dataset, _ = Dataset.objects.update_or_create(
        slug=definition["slug"],
        defaults={
            "title": definition["title"],
            "description": definition["description"],
            "department": department,
            "update_frequency": definition["update_frequency"],
            "tags": definition["tags"],
            "is_public": definition["is_public"],
            "table_schema": definition["table_schema"],
            "column_map": definition.get("column_map", {}),
            "license": "Open Data Commons PDDL",
        },
    )
    return dataset


def ensure_departments(names: list[str]) -> list[Department]:
    """Return the departments called `names`, adding any the city file did not list."""
    departments = []
    for name in names:
        department = Department.objects.filter(name=name).first()
        if department is None:
            department = Department.objects.create(code=slugify(name)[:40], name=name)
        departments.append(department)
    return departments


def plan_department_names() -> list[str]:
    document = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    names = {
        measure["department"]
        for area in document["priority_areas"]
        for goal in area["goals"]
        for objective in goal["objectives"]
        for measure in objective["measures"]
        if measure.get("department")
    }
    return sorted(names)
