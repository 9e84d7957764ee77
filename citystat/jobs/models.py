"""Job locks and runs, in the app database so every web and worker node sees the same."""

from __future__ import annotations

from django.db import models


class JobLock(models.Model):
    """One row per job name; whoever holds an unexpired lease may run that job.

    A lease rather than a plain flag: a node that dies mid-job stops renewing it, and the
    job becomes runnable again once it expires, without anyone clearing it by hand.
    """

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, help_text="host:pid:token")
    acquired_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.holder or 'free'})"


class JobRun(models.Model):
    """One run of a scheduled job: where, when, and how it ended."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100)
    node = models.CharField(max_length=200, help_text="Host name and process id.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"], name="jobrun_name_started")]

    def __str__(self) -> str:
        return f"{self.name} on {self.node} at {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Job(models.Model):
    """One piece of work queued to run outside the request or load that asked for it.

    citystat/jobs/queue.py queues it inside the asker's transaction and starts it after the
    commit (a thread of the same process, or `citystat jobs run`); the result stays here for
    the pages that report on it (a load's recompute, for instance).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(
        max_length=100, help_text="The registered task, such as plan.recompute."
    )
    # What the job is about, for the pages that look it up: "catalog.datasetversion:12".
    subject = models.CharField(max_length=200, blank=True)
    args = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    node = models.CharField(max_length=200, blank=True, help_text="Host name and process id.")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "status"], name="job_kind_status"),
            models.Index(fields=["subject"], name="job_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
