from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.catalog.exports import describe, run_export_job
from citystat.catalog.ingest import MODES, IngestError, ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.presets import PresetError, UnknownPreset, preset, preset_names
from citystat.catalog.sources import ENCODINGS
from citystat.jobs import queue
from citystat.jobs.models import Job
from citystat.jobs.runs import JobAlreadyRunning
from citystat.lib.disk import disk_errors
from citystat.lib.progress import fraction_progress
from citystat.lib.sizes import human_size


def parse_column_map(pairs: list[str]) -> dict[str, str]:
    """Turn ['field=Source Column', …] into a mapping, rejecting malformed pairs."""
    mapping = {}
    for pair in pairs:
        field, separator, column = pair.partition("=")
        if not separator or not field.strip() or not column.strip():
            raise CommandError(
                f"--map {pair!r} should read FIELD=COLUMN, such as created_at='CREATION DATE'.",
                returncode=2,
            )
        mapping[field.strip()] = column.strip()
    return mapping


def dataset_for(slug: str, preset_name: str | None) -> Dataset:
    """Return dataset `slug`; with a preset, create it if needed and describe it by the preset."""
    dataset = Dataset.objects.filter(slug=slug).first()
    if preset_name is None:
        if dataset is None:
            known = ", ".join(Dataset.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(
                f"no dataset {slug!r} (known: {known}); create it in the staff workspace "
                f"or pass --preset ({', '.join(preset_names())}).",
                returncode=2,
            )
        return dataset
    try:
        chosen = preset(preset_name)
    except (UnknownPreset, PresetError) as error:
        raise CommandError(str(error), returncode=2) from None
    if dataset is None:
        dataset = Dataset(slug=slug, title=chosen["title"])
    dataset.table_schema = chosen["table_schema"]
    dataset.column_map = chosen["column_map"]
    dataset.ignored_columns = chosen["ignored_columns"]
    dataset.full_clean()
    dataset.save()
    return dataset


def size_note(sources: list[str]) -> str:
    """Return ' (1.2 GB)' for local files, so the bar's share reads as bytes too."""
    paths = [Path(source).expanduser() for source in sources]
    if any("://" in source for source in sources) or not all(p.is_file() for p in paths):
        return ""
    files = f"{len(paths)} files, " if len(paths) > 1 else ""
    return f" ({files}{human_size(sum(path.stat().st_size for path in paths))})"


def report_lines(version: DatasetVersion) -> list[str]:
    lines = [
        f"  {'file ' + reject['file'] + ', ' if reject.get('file') else ''}"
        f"line {reject['line']}, field {reject['field']!r}: {reject['value']!r}, "
        f"expected {reject['expected']}"
        for reject in version.report.get("rejects", [])[:20]
    ]
    lines += [f"  warning: {warning}" for warning in version.report.get("warnings", [])]
    return lines


def job_lines(job: Job) -> list[str]:
    """Say how a job the load queued ended: its summary, then each measure that failed."""
    if job.status == Job.Status.FAILED:
        return [f"Job #{job.pk} ({job.kind}) failed: {job.error}"]
    if not job.is_finished:
        return [f"Job #{job.pk} ({job.kind}) is still {job.status}; `citystat jobs run` ends it."]
    summary = job.result.get("summary") or job.status
    lines = [f"Job #{job.pk} ({job.kind}): {summary}."]
    lines += [f"  {slug} failed: {why}" for slug, why in job.result.get("failed", {}).items()]
    return lines


class Command(BaseCommand):
    help = (
        "Load one or more files, URLs or Socrata datasets as one version, check it against "
        "the schema, and publish it."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The dataset's slug, such as service-requests.")
        parser.add_argument(
            "source",
            nargs="+",
            help="A local path, an http(s) URL, or socrata://HOST/ABCD-1234; several load "
            "as one version, all or nothing.",
        )
        parser.add_argument("--mode", choices=MODES, default="replace")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="COLUMN",
            help="A source column the schema leaves out on purpose.",
        )
        parser.add_argument("--max-rejects", type=int, default=0, metavar="N")
        # Not argparse choices: a city's own presets live in CITYSTAT_HOME/presets, read
        # when the command runs (dataset_for names the known ones on a miss).
        parser.add_argument(
            "--preset", metavar="NAME", help="A ready schema and map, such as kcmo-311."
        )
        parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Return once the version is published; leave the recompute of its measures "
            "(and any other job the load queued) to `citystat jobs run`.",
        )

    def handle(self, *args: Any, slug: str, source: list[str], **options: Any) -> None:
        dataset = dataset_for(slug, options["preset"])
        column_map = parse_column_map(options["map"])
        label = f"Loading {slug}{size_note(source)}"
        with (
            disk_errors(settings.CITYSTAT_HOME),
            fraction_progress(label, enabled=options["verbosity"] > 0) as advance,
            # The jobs the load queues (its measures' recompute) wait for this command.
            queue.deferred() as queued,
        ):
            try:
                version = ingest(
                    dataset,
                    source[0] if len(source) == 1 else source,
                    mode=options["mode"],
                    column_map=column_map,
                    max_rejects=options["max_rejects"],
                    progress=advance,
                    ignored_columns=options["ignore"],
                    encoding=options["encoding"],
                    started_by="citystat ingest",
                )
            except IngestError as error:
                failed = dataset.versions.order_by("-number").first()
                details = "\n".join(report_lines(failed)) if failed else ""
                raise CommandError(f"{error}\n{details}".rstrip(), returncode=2) from None
        self.stdout.write(
            f"{slug} v{version.number}: {version.rows_read:,} rows read, "
            f"{version.rows_rejected:,} rejected, {version.row_count:,} published."
        )
        for line in report_lines(version):
            self.stdout.write(line)
        self.run_jobs(queued, wait=not options["no_wait"])
        if dataset.is_public:
            self.build_exports(slug)

    def run_jobs(self, job_ids: list[int], *, wait: bool) -> None:
        """Run the load's jobs now (outside the dataset lock) and say how each ended."""
        for job_id in job_ids:
            if not wait:
                self.stdout.write(
                    f"Queued job #{job_id}; `citystat jobs run` runs it "
                    "(`citystat jobs list` tells how it ended)."
                )
                continue
            job = queue.wait(job_id)
            for line in job_lines(job) if job else []:
                self.stdout.write(line)

    def build_exports(self, slug: str) -> None:
        """Write the new version's download files now, so downloads never wait for them."""
        try:
            run_export_job(slug, lambda result: self.stdout.write(describe(result)))
        except JobAlreadyRunning as busy:
            self.stdout.write(f"Download files: {busy} It writes these too.")
