"""The registry of the city's datasets and the record of every load."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citystat.catalog.schedule import ScheduleError, parse_schedule
from citystat.catalog.visibility import field_is_public
from citystat.city.models import Department

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# How old a dataset's data may get before it is flagged stale, by update frequency. A
# grace of half a period again covers a load that runs a little late.
FRESHNESS = {
    "daily": dt.timedelta(days=1, hours=12),
    "weekly": dt.timedelta(days=10),
    "monthly": dt.timedelta(days=45),
    "quarterly": dt.timedelta(days=135),
    "yearly": dt.timedelta(days=548),
}


def validate_dataset_slug(slug: str) -> None:
    # The slug names the warehouse table (catalog.warehouse.table_name), so keep it plain.
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            f"{slug!r} is not a dataset slug: use lowercase letters, digits and hyphens, "
            "starting with a letter, such as 'service-requests'."
        )


def validate_refresh_schedule(schedule: str) -> None:
    try:
        parse_schedule(schedule)
    except ScheduleError as error:
        raise ValidationError(str(error)) from None


class Dataset(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")
        AS_NEEDED = "as_needed", _("As needed")

    slug = models.CharField(max_length=63, unique=True, validators=[validate_dataset_slug])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="datasets", null=True, blank=True
    )
    contact_email = models.EmailField(blank=True)
    license = models.CharField(max_length=120, blank=True)
    update_frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.AS_NEEDED
    )
    tags = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=500, blank=True, help_text="Path or URL loaded from.")
    table_schema = models.JSONField(
        default=dict, help_text="A Frictionless Table Schema describing the published columns."
    )
    column_map = models.JSONField(
        default=dict, blank=True, help_text="Schema field → column name in the source files."
    )
    ignored_columns = models.JSONField(
        default=list,
        blank=True,
        help_text="Source columns the schema leaves out on purpose; any other unknown "
        "column stops a load.",
    )
    is_public = models.BooleanField(default=False)
    refresh_schedule = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_refresh_schedule],
        help_text="When `citystat refresh` reloads the source: 'hourly', 'daily', "
        "'every 6 hours', or a cron line such as '15 3 * * *'. Empty: never.",
    )
    next_refresh_at = models.DateTimeField(null=True, blank=True)
    refresh_failures = models.PositiveIntegerField(
        default=0, help_text="Failed scheduled loads in a row; each doubles the wait."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        # The publisher permission: only its holders widen what the public sees of a
        # dataset (citystat/catalog/publication.py); the role table gives it to the
        # performance office, not to data stewards.
        permissions = [("make_public_dataset", "Can make a dataset or its columns public")]

    def __str__(self) -> str:
        return self.title

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.table_schema.get("fields", []))

    @property
    def public_fields(self) -> list[dict[str, Any]]:
        return [spec for spec in self.fields if field_is_public(spec)]

    @property
    def latest_version(self) -> DatasetVersion | None:
        """Return the version readers see now."""
        return self.versions.filter(status=DatasetVersion.Status.PUBLISHED).first()

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        """Say whether the published data is older than the update frequency promises."""
        allowed = FRESHNESS.get(self.update_frequency)
        if allowed is None:
            return False
        version = self.latest_version
        if version is None or version.finished_at is None:
            return True
        return (now or timezone.now()) - version.finished_at > allowed


class DatasetVersion(models.Model):
    """One load attempt: what came in, what was rejected, and whether readers see it."""

    class Status(models.TextChoices):
        LOADING = "loading", _("Loading")
        # Exactly one version of a dataset is published: the one every reader sees.
        PUBLISHED = "published", _("Published")
        # Was published; its file is kept for rollback.
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Failed")
        # Older than the last CITYSTAT_KEEP_VERSIONS; its file is deleted.
        REMOVED = "removed", _("Removed")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    mode = models.CharField(max_length=10, default="replace")
    source = models.CharField(max_length=500)
    checksum = models.CharField(max_length=80, blank=True, help_text="CRC-32 of the source.")
    started_by = models.CharField(
        max_length=150, blank=True, help_text="Who or what started the load."
    )
    process_id = models.PositiveIntegerField(null=True, blank=True)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveBigIntegerField(default=0, help_text="Rows published after load.")
    bytes_read = models.PositiveBigIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="version_number_per_dataset"
            ),
            models.UniqueConstraint(
                fields=["dataset"],
                condition=models.Q(status="published"),
                name="one_published_version_per_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.slug} v{self.number} ({self.status})"

    @property
    def message(self) -> str:
        return str(self.report.get("message", ""))

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
