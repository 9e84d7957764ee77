"""What `citystat datasets` and the dataset pages say about each dataset."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Prefetch

from citystat.catalog.models import Dataset, DatasetVersion


class LastLoad(TypedDict):
    version: int
    status: str
    started_at: str
    finished_at: str | None
    rows_rejected: int
    message: str


class DatasetSummary(TypedDict):
    slug: str
    title: str
    public: bool
    published_version: int | None
    row_count: int | None
    published_at: str | None
    last_load: LastLoad | None
    stale: bool
    refresh_schedule: str


def summarise(dataset: Dataset) -> DatasetSummary:
    """Return the dataset's published version, size, last load and freshness."""
    loaded = list(dataset.versions.all())
    published = next((v for v in loaded if v.status == DatasetVersion.Status.PUBLISHED), None)
    last = loaded[0] if loaded else None
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "public": dataset.is_public,
        "published_version": published.number if published else None,
        "row_count": published.row_count if published else None,
        "published_at": published.finished_at.isoformat()
        if published and published.finished_at
        else None,
        "last_load": {
            "version": last.number,
            "status": last.status,
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "rows_rejected": last.rows_rejected,
            "message": last.message,
        }
        if last
        else None,
        "stale": dataset.is_stale(),
        "refresh_schedule": dataset.refresh_schedule,
    }


def all_summaries() -> list[DatasetSummary]:
    datasets = Dataset.objects.order_by("slug").prefetch_related(
        Prefetch("versions", queryset=DatasetVersion.objects.order_by("-number"))
    )
    return [summarise(dataset) for dataset in datasets]
