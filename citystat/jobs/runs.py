"""Run a scheduled job on one node at a time, and record every run.

Every node of a multi-node site may have the same timers (`citystat refresh`, `compute`,
`remind`, `digest`). `single_run(name)` makes the second one to start step aside:

    with single_run("digest"):
        send_digests()

or as a decorator, `@single_run("digest")`. If another process holds the job, the block
does not run and `JobAlreadyRunning` is raised; commands catch it, say so, and exit 0 (a
timer on another node doing the work is not a failure).

The lock is a row in `JobLock`, taken with one conditional UPDATE, which the database
serialises on every engine (PostgreSQL's row lock re-checks the condition; SQLite writes
one at a time). It is a lease: a heartbeat thread renews it while the job runs, so a node
that dies mid-job frees the job once `lease` has passed without a renewal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator

from django.db import IntegrityError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from citystat.jobs.models import JobLock, JobRun
from citystat.lib.errors import CitystatError

logger = logging.getLogger("citystat.jobs")

DEFAULT_LEASE = dt.timedelta(minutes=5)
# Finished runs older than this are deleted when the same job next finishes.
KEEP_RUNS = dt.timedelta(days=90)


class JobAlreadyRunning(CitystatError):
    def __init__(self, name: str, holder: str, since: dt.datetime | None) -> None:
        self.name = name
        self.holder = holder
        started = f" since {since:%Y-%m-%d %H:%M:%S} UTC" if since else ""
        super().__init__(
            f"{name} is already running on {holder or 'another node'}{started}; "
            "this run is skipped."
        )


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(name: str, holder: str, lease: dt.timedelta) -> bool:
    """Take the lock `name` for `holder` if it is free or its lease ran out; say if it did."""
    now = timezone.now()
    with contextlib.suppress(IntegrityError):
        # Two nodes creating the row at once: one insert wins, the other is a no-op.
        JobLock.objects.get_or_create(name=name)
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    taken = JobLock.objects.filter(free, name=name).update(
        holder=holder, acquired_at=now, expires_at=now + lease
    )
    return taken == 1


def renew(name: str, holder: str, lease: dt.timedelta) -> bool:
    """Push the lease's end further out; False if `holder` no longer holds `name`."""
    return (
        JobLock.objects.filter(name=name, holder=holder).update(expires_at=timezone.now() + lease)
        == 1
    )


def release(name: str, holder: str) -> None:
    JobLock.objects.filter(name=name, holder=holder).update(
        holder="", acquired_at=None, expires_at=None
    )


class Heartbeat(threading.Thread):
    """Renew a lease every third of its length until stopped."""

    def __init__(self, name: str, holder: str, lease: dt.timedelta) -> None:
        super().__init__(name=f"citystat-job-{name}", daemon=True)
        self.job = name
        self.holder = holder
        self.lease = lease
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.lease.total_seconds() / 3):
                try:
                    if not renew(self.job, self.holder, self.lease):
                        logger.error("job %s: lost its lock (lease expired)", self.job)
                        return
                except Exception:
                    # A database blip: the next beat tries again before the lease ends.
                    logger.exception("job %s: could not renew its lock", self.job)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


@contextlib.contextmanager
def single_run(name: str, *, lease: dt.timedelta = DEFAULT_LEASE) -> Iterator[JobRun]:
    """Run the block only if no other process is running job `name`; record the run.

    Raises `JobAlreadyRunning` (without running the block) when the job is held elsewhere.
    A failure inside the block is recorded on the run, with its message, and re-raised.
    """
    holder = f"{node_name()}:{uuid.uuid4().hex[:8]}"
    if not try_acquire(name, holder, lease):
        lock = JobLock.objects.filter(name=name).first()
        raise JobAlreadyRunning(
            name, lock.holder if lock else "", lock.acquired_at if lock else None
        )
    run = JobRun.objects.create(name=name, node=node_name(), started_at=timezone.now())
    heartbeat = Heartbeat(name, holder, lease)
    heartbeat.start()
    try:
        yield run
    except BaseException as error:
        heartbeat.stop()
        finish(run, JobRun.Status.FAILED, describe(error))
        release(name, holder)
        raise
    heartbeat.stop()
    finish(run, JobRun.Status.SUCCEEDED, "")
    release(name, holder)


def describe(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def finish(run: JobRun, status: str, error: str) -> None:
    run.status = status
    run.error = error[:10_000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    if status == JobRun.Status.FAILED:
        logger.error("job %s failed on %s: %s", run.name, run.node, error)
    JobRun.objects.filter(name=run.name, finished_at__lt=run.finished_at - KEEP_RUNS).delete()
