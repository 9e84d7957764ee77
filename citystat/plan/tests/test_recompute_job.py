"""A load's recompute is a job run after the load (#22 item 5): the upload returns first,
the dataset lock is free while it runs, and its report names each measure recomputed or
failed, with the reason, on the staff page and in `citystat ingest`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pandas as pd
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from citystat.catalog import versions
from citystat.catalog.hooks import version_subject
from citystat.catalog.models import Dataset
from citystat.jobs import queue
from citystat.jobs.models import Job
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.signals import RECOMPUTE, measures_recomputed
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import REQUESTS_CSV

# Three more requests in calendar 2025, one in 2026.
MORE = "8,Trash,2025-06-01,,,1,\n9,Pothole,2025-07-01,,,2,\n10,Trash,2025-08-01,,,3,\n"
MORE += "11,Pothole,2026-01-05,,,3,\n"


def yearly(slug: str = "per-year") -> Measure:
    measure = add_measure(
        slug,
        {"dataset": "requests", "date": "created_date", "aggregate": "count", "grain": "year"},
    )
    compute_measures([measure])
    return measure


def broken() -> Measure:
    # Its field is no column of the dataset: the spec check refuses it in the job.
    return add_measure(
        "broken",
        {
            "dataset": "requests",
            "date": "created_date",
            "aggregate": "sum",
            "field": "no_such_column",
            "grain": "year",
        },
    )


def stored(measure: Measure) -> dict[str, float | None]:
    rows = MeasureValue.objects.filter(measure=measure, breakdown="")
    return {row.period: row.value for row in rows}


def expected_counts(text: str) -> dict[str, float]:
    """Rows per calendar year of the CSV, counted by pandas."""
    frame = pd.read_csv(StringIO(text), parse_dates=["created_date"])
    return {str(year): float(n) for year, n in frame["created_date"].dt.year.value_counts().items()}


def staff_client(client: Any) -> Any:
    user = User.objects.create_user("dana", password="a long enough password")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_dataset", "change_dataset"])
    )
    client.force_login(user)
    return client


def upload(client: Any, text: str) -> Any:
    return client.post(
        "/staff/datasets/requests/upload/",
        {
            "file": SimpleUploadedFile("requests.csv", text.encode()),
            "mode": "replace",
            "max_rejects": "0",
            "column_map": "",
        },
    )


def test_the_upload_returns_before_the_measures_recompute(
    requests, client, settings, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_JOBS_RUN = "worker"
    measure = yearly()
    before = stored(measure)
    assert before == expected_counts(REQUESTS_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client(client), REQUESTS_CSV + MORE)
    assert response.status_code == 302
    version = requests.versions.get(number=2)
    job = Job.objects.get(kind=RECOMPUTE)
    assert (job.subject, job.status, job.args) == (
        version_subject(version),
        Job.Status.QUEUED,
        {"dataset": "requests", "version": 2},
    )
    assert stored(measure) == before  # nothing computed inside the request
    page = client.get("/staff/datasets/requests/").content.decode()
    assert "Measures: recomputing in the background" in page

    queue.run_all()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["computed"] == ["per-year"]
    assert stored(measure) == expected_counts(REQUESTS_CSV + MORE)
    assert set(
        MeasureValue.objects.filter(measure=measure).values_list("dataset_version", flat=True)
    ) == {version.pk}


def test_a_failing_measure_is_in_the_load_report_with_its_reason(
    requests, client, django_capture_on_commit_callbacks
):
    measure = yearly()
    broken()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(staff_client(client), REQUESTS_CSV + MORE).status_code == 302
    job = Job.objects.get(kind=RECOMPUTE)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["computed"] == ["per-year"]
    reason = job.result["failed"]["broken"]
    assert "no_such_column" in reason
    assert stored(measure) == expected_counts(REQUESTS_CSV + MORE)
    page = client.get("/staff/datasets/requests/").content.decode()
    assert "Measures recomputed: <code>per-year</code>." in page
    report = page.split('class="load-job-failed"')[1].split("</ul>")[0]
    assert "<code>broken</code>" in report
    assert "no_such_column" in report


def test_ingest_waits_for_the_recompute_and_prints_how_it_ended(requests, tmp_path):
    measure = yearly()
    broken()
    seen: list[str] = []

    def lock_is_free(sender: Any, dataset: str, **kwargs: Any) -> None:
        # Taken without waiting: held by the load, this would raise VersionError.
        with versions.dataset_lock(Dataset.objects.get(slug=dataset)):
            seen.append(dataset)

    measures_recomputed.connect(lock_is_free)
    try:
        path = tmp_path / "more.csv"
        path.write_text(REQUESTS_CSV + MORE, encoding="utf-8")
        out = StringIO()
        call_command("ingest", "requests", str(path), stdout=out, verbosity=0)
    finally:
        measures_recomputed.disconnect(lock_is_free)
    text = out.getvalue()
    job = Job.objects.get(kind=RECOMPUTE)
    assert f"Job #{job.pk} (plan.recompute): 1 measure(s) recomputed, 1 failed." in text
    assert "  broken failed: " in text and "no_such_column" in text
    assert stored(measure) == expected_counts(REQUESTS_CSV + MORE)
    assert seen == ["requests"]  # the compute ran, and after the lock was let go


def test_ingest_no_wait_returns_with_the_recompute_queued(requests, tmp_path):
    measure = yearly()
    before = stored(measure)
    path = tmp_path / "more.csv"
    path.write_text(REQUESTS_CSV + MORE, encoding="utf-8")
    out = StringIO()
    call_command("ingest", "requests", str(path), "--no-wait", stdout=out, verbosity=0)
    job = Job.objects.get(kind=RECOMPUTE)
    assert job.status == Job.Status.QUEUED
    assert f"Queued job #{job.pk}; `citystat jobs run` runs it" in out.getvalue()
    assert stored(measure) == before
    call_command("jobs", "run", stdout=StringIO())
    assert stored(measure) == expected_counts(REQUESTS_CSV + MORE)


def test_a_dataset_no_measure_reads_queues_no_recompute(requests, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text(REQUESTS_CSV + MORE, encoding="utf-8")
    out = StringIO()
    call_command("ingest", "requests", str(path), stdout=out, verbosity=0)
    assert not Job.objects.exists()
    assert "Job #" not in out.getvalue()
