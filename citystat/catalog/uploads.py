"""Files staff upload into a dataset, kept under MEDIA_ROOT/uploads/<slug>/ only as long
as a version that is kept needs them (#16, Medium 9).

An upload is the source of the version it loaded. It stays while that version is loading,
published or superseded (kept for rollback, CITYSTAT_KEEP_VERSIONS), or while it is the
dataset's source for `citystat refresh`; once its version has failed or been pruned, the
file goes too. A file no version names (a sample that drafted a schema, an upload whose
load never started) goes once it is older than ORPHAN_GRACE, so an upload saved a moment
ago and waiting for the dataset's lock is never taken from under its load.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from citystat.catalog.models import Dataset, DatasetVersion, validate_dataset_slug

ORPHAN_GRACE = dt.timedelta(hours=1)
KEPT = [
    DatasetVersion.Status.LOADING,
    DatasetVersion.Status.PUBLISHED,
    DatasetVersion.Status.SUPERSEDED,
]


def upload_folder(slug: str) -> Path:
    validate_dataset_slug(slug)  # the slug becomes part of a path
    return Path(settings.MEDIA_ROOT) / "uploads" / slug


def save_upload(slug: str, upload: UploadedFile) -> Path:
    """Keep the uploaded file under MEDIA_ROOT/uploads/<slug>/ and return its path."""
    folder = upload_folder(slug)
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(upload.name or "").name.replace(" ", "_") or "upload.csv"
    stamp = f"{timezone.now():%Y%m%dT%H%M%S}"
    target = folder / f"{stamp}-{name}"
    # Several files of one upload may share a name (from different folders) and a second.
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{stamp}-{number}-{name}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def prune_uploads(dataset: Dataset) -> list[Path]:
    """Delete the dataset's uploads no kept version needs; return the deleted paths.

    Call while holding the dataset's load lock (catalog.ingest does), so no version
    changes status meanwhile.
    """
    folder = upload_folder(dataset.slug)
    if not folder.is_dir():
        return []
    sources = [
        (source, status)
        for single, status, report in dataset.versions.values_list("source", "status", "report")
        # A version of several files lists them in its report (catalog.ingest).
        for source in (report or {}).get("sources") or [single]
    ]
    named = {resolved(source) for source, _status in sources}
    needed = {resolved(source) for source, status in sources if status in KEPT}
    needed.add(resolved(dataset.source))
    oldest = time.time() - ORPHAN_GRACE.total_seconds()
    deleted = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path in needed:
            continue
        if path in named or path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def resolved(source: str) -> Path | None:
    if not source or "://" in source:
        return None
    return Path(source).expanduser().resolve()
