"""Download files: written by the job once per version, pruned with their versions (#16)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from citystat.catalog import exports
from citystat.catalog.exports import build_exports, export_file, exports_folder
from citystat.catalog.ingest import ingest
from citystat.catalog.versions import prune
from citystat.jobs.models import JobLock, JobRun

from .conftest import write


@pytest.fixture
def public_scores(scores):
    scores.is_public = True
    scores.save()
    return scores


def load(dataset, tmp_path, count: int):
    rows = "".join(f"{i},01/07/2020,{i % 10}\n" for i in range(1, count + 1))
    return ingest(dataset, write(tmp_path, "id,opened,score\n" + rows, f"v{count}.csv"))


def files(slug: str) -> list[str]:
    return sorted(path.name for path in exports_folder(slug).iterdir())


def test_old_versions_lose_their_download_files_with_their_data(public_scores, tmp_path, settings):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    for count in (1, 2, 3, 4):
        load(public_scores, tmp_path, count)
        build_exports()
    assert files("scores") == [f"v{n}.{ext}" for n in (3, 4) for ext in ("csv", "json", "parquet")]


def test_a_prune_sweeps_files_of_versions_removed_before(public_scores, tmp_path):
    load(public_scores, tmp_path, 1)
    build_exports()
    stale = export_file("scores", 7, "csv")
    stale.write_text("left by a build that finished after its version was removed")
    prune(public_scores)
    assert not stale.exists()
    assert export_file("scores", 1, "csv").exists()


def test_internal_datasets_get_no_download_files(scores, tmp_path):
    load(scores, tmp_path, 1)
    assert build_exports() == []
    assert not exports_folder("scores").exists()


def test_a_killed_build_leaves_nothing_the_next_run_keeps(public_scores, tmp_path):
    load(public_scores, tmp_path, 1)
    exports_folder("scores").mkdir(parents=True)
    (exports_folder("scores") / ".v1.abc.csv.part").write_text("half")
    build_exports()
    assert files("scores") == ["v1.csv", "v1.json", "v1.parquet"]


def test_the_command_writes_the_files_and_records_its_run(public_scores, tmp_path):
    load(public_scores, tmp_path, 3)
    out = io.StringIO()
    call_command("exports", stdout=out)
    assert "scores v1.csv:" in out.getvalue()
    assert export_file("scores", 1, "parquet").is_file()
    assert JobRun.objects.get(name="exports").status == JobRun.Status.SUCCEEDED


def test_the_command_steps_aside_while_another_process_builds(public_scores, tmp_path):
    load(public_scores, tmp_path, 1)
    JobLock.objects.create(name="exports", holder="other:1:x", expires_at="2999-01-01T00:00Z")
    out = io.StringIO()
    call_command("exports", stdout=out)
    assert "exports is already running on other:1:x" in out.getvalue()
    assert not export_file("scores", 1, "csv").exists()


def test_citystat_ingest_writes_the_new_versions_files(public_scores, tmp_path):
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n")
    call_command("ingest", "scores", str(path), stdout=io.StringIO())
    assert exports.missing_formats(public_scores.latest_version) == []


def test_a_refresh_round_writes_files_staff_uploads_left_waiting(public_scores, tmp_path):
    # A staff upload publishes inside a web request, which never writes download files.
    load(public_scores, tmp_path, 2)
    call_command("refresh", stdout=io.StringIO())
    assert exports.missing_formats(public_scores.latest_version) == []
