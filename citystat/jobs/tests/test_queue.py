"""Queued jobs: written with their asker, started after its commit, run once, reported."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from citystat.jobs import queue
from citystat.jobs.models import Job, JobLock, JobRun

pytestmark = pytest.mark.django_db

calls: list[dict[str, Any]] = []


def record(**args: Any) -> dict[str, Any]:
    calls.append(args)
    return {"summary": f"did {args}"}


def explode(**args: Any) -> dict[str, Any]:
    raise ValueError("the measure reads a column the dataset no longer has")


@pytest.fixture(autouse=True)
def tasks() -> Iterator[None]:
    calls.clear()
    queue.register("test.record", record)
    queue.register("test.explode", explode)
    yield
    queue.tasks.pop("test.record")
    queue.tasks.pop("test.explode")


def test_a_job_waits_for_its_askers_commit(settings, django_capture_on_commit_callbacks):
    settings.CITYSTAT_JOBS_RUN = "inline"
    with django_capture_on_commit_callbacks(execute=True):
        job = queue.enqueue("test.record", subject="thing:1", n=1)
        assert calls == []  # not before the commit
    job.refresh_from_db()
    assert calls == [{"n": 1}]
    assert (job.status, job.result, job.error) == (
        Job.Status.SUCCEEDED,
        {"summary": "did {'n': 1}"},
        "",
    )
    assert job.started_at is not None and job.finished_at is not None


def test_a_rolled_back_asker_queues_nothing(settings, django_capture_on_commit_callbacks):
    settings.CITYSTAT_JOBS_RUN = "inline"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue.enqueue("test.record", n=1)
                raise RuntimeError("the asker failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Job.objects.exists()
    assert calls == []


def test_worker_mode_leaves_jobs_for_the_jobs_command(settings, django_capture_on_commit_callbacks):
    settings.CITYSTAT_JOBS_RUN = "worker"
    with django_capture_on_commit_callbacks(execute=True):
        first = queue.enqueue("test.record", n=1)
        second = queue.enqueue("test.record", n=2)
    assert calls == []
    out = StringIO()
    call_command("jobs", "run", stdout=out)
    assert calls == [{"n": 1}, {"n": 2}]  # oldest first
    assert f"#{first.pk} test.record" in out.getvalue()
    assert f"#{second.pk} test.record" in out.getvalue()
    # Run again: nothing runs twice.
    out = StringIO()
    call_command("jobs", "run", stdout=out)
    assert out.getvalue().strip() == "No job was waiting."
    assert len(calls) == 2


def test_a_failing_task_leaves_the_job_failed_with_the_reason(settings):
    settings.CITYSTAT_JOBS_RUN = "worker"
    job = queue.enqueue("test.explode")
    queue.run_all()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "ValueError: the measure reads a column the dataset no longer has"
    out = StringIO()
    call_command("jobs", "list", stdout=out)
    assert f"#{job.pk} test.explode" in out.getvalue()
    assert "failed: ValueError: the measure reads" in out.getvalue()


def test_a_job_a_dead_node_left_running_runs_again(settings):
    settings.CITYSTAT_JOBS_RUN = "worker"
    job = queue.enqueue("test.record", n=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    queue.run_all()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert calls == [{"n": 1}]


def test_a_kind_held_elsewhere_is_left_to_its_holder(settings):
    settings.CITYSTAT_JOBS_RUN = "worker"
    job = queue.enqueue("test.record", n=1)
    JobLock.objects.create(
        name="queue-test.record", holder="other:1:x", expires_at="2999-01-01T00:00Z"
    )
    ran, busy = queue.run_all()
    assert (ran, busy) == ([], ["test.record"])
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert calls == []


def test_an_unknown_kind_is_refused_when_queued():
    with pytest.raises(queue.UnknownTask, match="no task is registered for job kind 'nope'"):
        queue.enqueue("nope")
    assert not Job.objects.exists()


def test_deferred_jobs_are_handed_to_the_caller_not_started(
    settings, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_JOBS_RUN = "inline"
    with django_capture_on_commit_callbacks(execute=True) as callbacks, queue.deferred() as held:
        job = queue.enqueue("test.record", n=1)
    # The page cache's content stamp waits for every commit too (plan/revision.py).
    own = [c for c in callbacks if type(c).__module__ != "citystat.plan.revision"]
    assert (held, own, calls) == ([job.pk], [], [])
    done = queue.wait(job.pk)
    assert done is not None and done.status == Job.Status.SUCCEEDED
    assert calls == [{"n": 1}]


def test_thread_mode_runs_the_job_in_a_thread_the_process_waits_for(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_JOBS_RUN = "thread"
    started: list[threading.Thread] = []

    class Recorded(threading.Thread):
        def start(self) -> None:  # run where the test database is, but record how
            started.append(self)
            self.run()

    monkeypatch.setattr(queue, "Thread", Recorded)
    monkeypatch.setattr(queue, "close_old_connections", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        job = queue.enqueue("test.record", n=1)
        assert started == []
    assert [thread.daemon for thread in started] == [False]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_an_unknown_kind_to_run_is_refused_naming_the_known_ones():
    with pytest.raises(CommandError, match=r"--kind nope: no such job kind \(known: .*test.record"):
        call_command("jobs", "run", "--kind", "nope")


def test_an_empty_queue_takes_no_lock_and_records_no_run(settings):
    settings.CITYSTAT_JOBS_RUN = "worker"
    assert queue.run_all(["test.record"]) == ([], [])
    assert not JobRun.objects.exists()
    queue.enqueue("test.record", n=1)
    ran, _busy = queue.run_all(["test.record"])
    assert [job.args for job in ran] == [{"n": 1}]
    assert JobRun.objects.get().name == "queue-test.record"
