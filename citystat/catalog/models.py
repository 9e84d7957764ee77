"""The registry of the city's datasets and the record of every load."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

from citystat.city.models import Department

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def validate_dataset_slug(slug: str) -> None:
    # The slug names the warehouse table (catalog.warehouse.table_name), so keep it plain.
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            f"{slug!r} is not a dataset slug: use lowercase letters, digits and hyphens, "
            "starting with a letter, such as 'service-requests'."
        )


class Dataset(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"
        AS_NEEDED = "as_needed", "As needed"

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
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def fields(self) -> list[dict]:
        return list(self.table_schema.get("fields", []))

    @property
    def latest_version(self) -> DatasetVersion | None:
        return self.versions.filter(status=DatasetVersion.Status.PUBLISHED).first()


class DatasetVersion(models.Model):
    """One load attempt: what came in, what was rejected, and whether it was published."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    mode = models.CharField(max_length=10, default="replace")
    source = models.CharField(max_length=500)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveBigIntegerField(default=0, help_text="Rows published after load.")
    bytes_read = models.PositiveBigIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["dataset", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="version_number_per_dataset")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.slug} v{self.number} ({self.status})"
