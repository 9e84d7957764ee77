"""The catalog's parts of the staff workspace: loads that failed, datasets older than
their promise, datasets with no data yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.utils import timezone

from citystat.accounts.sections import admin_link
from citystat.accounts.workspace import WorkspaceItem, register_section
from citystat.catalog.models import Dataset, DatasetVersion

RECENT = dt.timedelta(days=30)
SHOWN = 20


def failed_loads(user: Any) -> list[WorkspaceItem]:
    """Return datasets whose newest load failed in the last 30 days."""
    newest = Dataset.objects.annotate(newest=Max("versions__number"))
    failed = DatasetVersion.objects.filter(
        status=DatasetVersion.Status.FAILED, finished_at__gte=timezone.now() - RECENT
    ).select_related("dataset")
    newest_numbers = {row.pk: row.newest for row in newest}
    items = []
    for version in failed.order_by("-finished_at"):
        if newest_numbers.get(version.dataset_id) != version.number:
            continue
        detail = f"Load {version.number} failed {version.finished_at:%Y-%m-%d %H:%M}"
        message = str(version.report.get("message", "")) if isinstance(version.report, dict) else ""
        if message:
            detail += f": {message[:160]}"
        items.append(WorkspaceItem(version.dataset.title, admin_link(user, version), detail))
    return items[:SHOWN]


def datasets_without_data(user: Any) -> list[WorkspaceItem]:
    """Return datasets that have never been published."""
    empty = Dataset.objects.exclude(versions__status="published").order_by("title")
    return [
        WorkspaceItem(dataset.title, admin_link(user, dataset), "No published version yet")
        for dataset in empty[:SHOWN]
    ]


def stale_datasets(user: Any) -> list[WorkspaceItem]:
    """Return published datasets older than their update frequency promises."""
    stale = [
        dataset
        for dataset in Dataset.objects.filter(versions__status="published").distinct()
        if getattr(dataset, "is_stale", lambda: False)()
    ]
    return [
        WorkspaceItem(
            dataset.title,
            admin_link(user, dataset),
            f"Promised {dataset.get_update_frequency_display().lower()}",
        )
        for dataset in stale[:SHOWN]
    ]


def register_catalog_sections() -> None:
    register_section(
        "failed-loads",
        "Failed data loads",
        items=failed_loads,
        permission="catalog.view_datasetversion",
        order=20,
        empty="No failed loads in the last 30 days.",
    )
    register_section(
        "stale-datasets",
        "Stale datasets",
        items=stale_datasets,
        permission="catalog.change_dataset",
        order=25,
        empty="Every dataset is as fresh as promised.",
    )
    register_section(
        "datasets-without-data",
        "Datasets with no data",
        items=datasets_without_data,
        permission="catalog.change_dataset",
        order=30,
        empty="Every dataset has published data.",
    )
