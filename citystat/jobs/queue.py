"""Queue work to run after the asking transaction commits, outside its request or lock.

    from citystat.jobs import queue
    queue.register("plan.recompute", recompute)  # in AppConfig.ready()
    job = queue.enqueue("plan.recompute", subject="catalog.datasetversion:12", dataset="potholes")

The job is a row written in the asker's transaction, so a rolled-back asker queues
nothing. Once the transaction commits, CITYSTAT_JOBS_RUN says where it runs:

- "thread" (the default): a daemon thread of the process that queued it, so a web request
  returns before the work is done;
- "worker": nowhere yet; `citystat jobs run` (a timer, or `--forever` as a worker) runs it;
- "inline": at once, in the committing thread (tests and one-off scripts).

Jobs of one kind run one at a time across every node: the runner holds the lock
`queue-<kind>` (runs.single_run, recorded as a JobRun of that name) and takes the queued
jobs of that kind oldest first until none is left. A thread that finds the lock held waits
for the holder to take its job. A job a dead node left running is run again by the next
runner, so a task must be safe to repeat (a recompute is; a delivery sends through the
digest's ledger). Each task returns a JSON-able dict kept on the job for the pages that
report on it; a task that raises leaves the job failed with the reason.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from threading import Thread
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from citystat.jobs.models import Job
from citystat.jobs.runs import KEEP_RUNS, JobAlreadyRunning, describe, node_name, single_run
from citystat.lib.errors import CitystatError

logger = logging.getLogger("citystat.jobs")

MODES = ("thread", "worker", "inline")
# How often a waiting thread or command looks at its job again.
POLL_SECONDS = 0.5
# A thread gives up waiting for another runner after this; `citystat jobs run` takes what
# it left.
THREAD_PATIENCE = dt.timedelta(minutes=10)

Task = Callable[..., dict[str, Any]]
tasks: dict[str, Task] = {}

# Set by `deferred()`: the ids of the jobs queued meanwhile, which the caller runs itself.
_deferred: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "citystat_deferred_jobs", default=None
)


class UnknownTask(CitystatError):
    pass


def register(kind: str, task: Task) -> None:
    """Name the function that runs jobs of `kind` (called with the job's args as keywords)."""
    tasks[kind] = task


def enqueue(kind: str, *, subject: str = "", **args: Any) -> Job:
    """Queue a job of `kind`; it starts once the current transaction commits."""
    if kind not in tasks:
        raise UnknownTask(f"no task is registered for job kind {kind!r}.")
    job = Job.objects.create(kind=kind, subject=subject, args=args, created_at=timezone.now())
    held = _deferred.get()
    if held is not None:
        held.append(job.pk)
    else:
        transaction.on_commit(lambda: start(job.pk, kind))
    return job


@contextlib.contextmanager
def deferred() -> Iterator[list[int]]:
    """Keep the jobs queued inside the block from starting; yield their ids as they come.

    A command that reports on its jobs (`citystat ingest`) runs them itself with `wait`,
    or leaves them to `citystat jobs run`.
    """
    held: list[int] = []
    token = _deferred.set(held)
    try:
        yield held
    finally:
        _deferred.reset(token)


def start(job_id: int, kind: str) -> None:
    """Start a committed job where CITYSTAT_JOBS_RUN says."""
    mode = getattr(settings, "CITYSTAT_JOBS_RUN", "thread")
    if mode == "worker":
        return
    if mode == "inline":
        with contextlib.suppress(JobAlreadyRunning):  # the holder takes it next
            run_pending(kind)
        return

    def run() -> None:
        try:
            wait(job_id, timeout=THREAD_PATIENCE)
        except Exception:  # the job records its own failure; this is the runner's
            logger.exception("job %s (%s) could not be run", job_id, kind)
        finally:
            close_old_connections()

    # Not a daemon: a command that queued a job (`citystat refresh`) finishes it before its
    # process exits, rather than leaving it cut short for the timer.
    Thread(target=run, name=f"citystat-job-{job_id}", daemon=False).start()


def run_pending(kind: str) -> list[Job]:
    """Run every queued job of `kind`, oldest first, under the kind's lock; return them.

    Raises JobAlreadyRunning when another runner holds the kind: it takes them.
    """
    ran: list[Job] = []
    with single_run(f"queue-{kind}"):
        # Nobody else runs this kind now, so a job still marked running was cut short.
        Job.objects.filter(kind=kind, status=Job.Status.RUNNING).update(status=Job.Status.QUEUED)
        while True:
            job = (
                Job.objects.filter(kind=kind, status=Job.Status.QUEUED)
                .order_by("created_at", "pk")
                .first()
            )
            if job is None:
                break
            run_one(job)
            ran.append(job)
    if ran:
        Job.objects.filter(kind=kind, finished_at__lt=timezone.now() - KEEP_RUNS).delete()
    return ran


def run_one(job: Job) -> None:
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.node = node_name()
    job.save(update_fields=["status", "started_at", "node"])
    try:
        task = tasks.get(job.kind)
        if task is None:
            raise UnknownTask(f"no task is registered for job kind {job.kind!r}.")
        result = task(**job.args)
    except Exception as error:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = Job.Status.FAILED
        job.error = describe(error)[:10_000]
    else:
        job.status = Job.Status.SUCCEEDED
        job.result = result or {}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "result", "finished_at"])


def wait(job_id: int, timeout: dt.timedelta | None = None) -> Job | None:
    """Run or wait for job `job_id` until it has finished (or `timeout` passed); return it.

    None when there is no such job (its asker's transaction rolled back).
    """
    deadline = time.monotonic() + timeout.total_seconds() if timeout else None
    while True:
        job = Job.objects.filter(pk=job_id).first()
        if job is None or job.is_finished:
            return job
        if deadline is not None and time.monotonic() > deadline:
            return job
        try:
            run_pending(job.kind)
        except JobAlreadyRunning:
            time.sleep(POLL_SECONDS)


def run_all(kinds: list[str] | None = None) -> tuple[list[Job], list[str]]:
    """Run the queued jobs of every kind (or of `kinds`); return those run and kinds held."""
    # Only kinds with work waiting: a worker polling every few seconds takes no lock and
    # records no run while the queue is empty.
    waiting = Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
    if kinds:
        waiting = waiting.filter(kind__in=kinds)
    chosen = sorted(set(waiting.values_list("kind", flat=True)))
    ran: list[Job] = []
    busy: list[str] = []
    for kind in chosen:
        try:
            ran.extend(run_pending(kind))
        except JobAlreadyRunning:
            busy.append(kind)
    return ran, busy
