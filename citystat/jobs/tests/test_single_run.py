"""Scheduled jobs run once across nodes, and every run is recorded."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from citystat.jobs.models import JobLock, JobRun
from citystat.jobs.runs import JobAlreadyRunning, release, single_run, try_acquire

pytestmark = pytest.mark.django_db


def test_a_second_run_of_a_held_job_is_refused_without_running():
    ran = []
    with (
        single_run("digest"),
        pytest.raises(JobAlreadyRunning, match="digest is already running on"),
        single_run("digest"),
    ):
        ran.append("second")
    assert ran == []
    # Once the first finished, the job runs again.
    with single_run("digest"):
        ran.append("third")
    assert ran == ["third"]


def test_different_jobs_do_not_block_each_other():
    with single_run("refresh"), single_run("compute"):
        assert set(JobLock.objects.exclude(holder="").values_list("name", flat=True)) == {
            "refresh",
            "compute",
        }


def test_a_run_is_recorded_with_its_node_and_outcome():
    with single_run("remind") as run:
        assert JobRun.objects.get(pk=run.pk).status == JobRun.Status.RUNNING
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert ":" in run.node  # host:pid


def test_a_failure_is_recorded_with_its_message_re_raised_and_the_lock_freed():
    with pytest.raises(ValueError), single_run("compute"):
        raise ValueError("measure 311-speed has no dataset")
    run = JobRun.objects.get(name="compute")
    assert run.status == JobRun.Status.FAILED
    assert run.error == "ValueError: measure 311-speed has no dataset"
    assert JobLock.objects.get(name="compute").holder == ""


def test_it_works_as_a_decorator():
    @single_run("digest")
    def send_digest() -> str:
        return "sent"

    assert send_digest() == "sent"
    assert JobRun.objects.filter(name="digest", status="succeeded").count() == 1


def test_a_lease_that_ran_out_is_taken_over():
    # A node died holding the lock: nothing renewed it since.
    assert try_acquire("refresh", "dead-node:1:aaaa", dt.timedelta(minutes=5))
    JobLock.objects.filter(name="refresh").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert try_acquire("refresh", "live-node:2:bbbb", dt.timedelta(minutes=5))
    assert JobLock.objects.get(name="refresh").holder == "live-node:2:bbbb"
    # The dead node's late release must not free the new holder's lock.
    release("refresh", "dead-node:1:aaaa")
    assert JobLock.objects.get(name="refresh").holder == "live-node:2:bbbb"


def test_an_unexpired_lease_is_not_taken():
    assert try_acquire("refresh", "a:1:x", dt.timedelta(minutes=5))
    assert not try_acquire("refresh", "b:2:y", dt.timedelta(minutes=5))


def test_the_refresh_command_skips_with_a_note_when_another_node_refreshes():
    output = StringIO()
    with single_run("refresh"):
        call_command("refresh", stdout=output)
    assert "refresh is already running on" in output.getvalue()
    assert "this run is skipped" in output.getvalue()


def test_the_refresh_command_records_its_run():
    call_command("refresh", stdout=StringIO())
    assert JobRun.objects.get(name="refresh").status == JobRun.Status.SUCCEEDED


def test_the_compute_command_skips_when_compute_is_running_elsewhere():
    output = StringIO()
    with single_run("compute"):
        call_command("compute", stdout=output)
    assert "compute is already running on" in output.getvalue()
