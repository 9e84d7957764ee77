"""Switch, roll back and prune the published version of a dataset.

The published `DatasetVersion` row is the pointer readers follow (engines.open_session), so
every switch is one app-database transaction over files that already exist.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from citystat.catalog import engines, exports, warehouse
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.schema import primary_key
from citystat.lib.errors import CitystatError

Status = DatasetVersion.Status
LEFT_OUT_OF_BACKUP = (
    "the load was still running when the backup was taken, so the backup does not hold "
    "it; the published version was not changed. Load the file again."
)


class VersionError(CitystatError):
    pass


@contextmanager
def dataset_lock(dataset: Dataset) -> Iterator[None]:
    """Hold the dataset's load lock; the kernel releases it even after `kill -9`."""
    folder = warehouse.dataset_folder(dataset.slug)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise VersionError(
                f"dataset {dataset.slug!r} is being loaded by another process; "
                "wait for it to finish, then try again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clear_interrupted_loads(dataset: Dataset) -> int:
    """Mark loads that died mid-way as failed and delete their half-written files.

    Call only while holding `dataset_lock`: then no other load of the dataset is alive.
    """
    folder = warehouse.dataset_folder(dataset.slug)
    for leftover in folder.glob(".v*.tmp*"):
        leftover.unlink(missing_ok=True)
    for spill in folder.glob(".tmp-duckdb-*"):
        shutil.rmtree(spill, ignore_errors=True)
    interrupted = dataset.versions.filter(status=Status.LOADING)
    for number in interrupted.values_list("number", flat=True):
        # Killed after the engine had its copy but before the pointer moved: drop the copy.
        engines.current().drop_version(dataset.slug, number)
    return dataset.versions.filter(status=Status.LOADING).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        report={
            "message": "the load stopped before it finished (the process was killed or "
            "the machine restarted); the published version was not changed."
        },
    )


def fail_loads_in_snapshot(snapshot: sqlite3.Connection) -> list[str]:
    """Mark the loads a backup caught running as failed in its SQLite copy; name them."""
    versions_table = DatasetVersion._meta.db_table
    datasets_table = Dataset._meta.db_table
    migrated = snapshot.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [versions_table]
    ).fetchone()
    if not migrated:
        return []  # a database `citystat migrate` has not set up yet has no loads
    caught = snapshot.execute(
        f'select d.slug, v.number from "{versions_table}" v '
        f'join "{datasets_table}" d on d.id = v.dataset_id where v.status = ?',
        [Status.LOADING.value],
    ).fetchall()
    snapshot.execute(
        f'update "{versions_table}" set status = ?, report = ?, finished_at = started_at '
        "where status = ?",
        [Status.FAILED.value, json.dumps({"message": LEFT_OUT_OF_BACKUP}), Status.LOADING.value],
    )
    return [f"{slug} v{number}" for slug, number in caught]


def fail_loads_after_restore() -> None:
    """Mark as failed every load a restored database still shows running (none runs yet)."""
    DatasetVersion.objects.filter(status=Status.LOADING).update(
        status=Status.FAILED, finished_at=timezone.now(), report={"message": LEFT_OUT_OF_BACKUP}
    )


def publish(version: DatasetVersion) -> None:
    """Make `version`, whose file is already in place, the one every reader sees."""
    with transaction.atomic():
        DatasetVersion.objects.filter(dataset=version.dataset, status=Status.PUBLISHED).update(
            status=Status.SUPERSEDED
        )
        version.status = Status.PUBLISHED
        version.published_at = timezone.now()
        version.save()
        # A version of several files has no one source `citystat refresh` could reload;
        # leaving an older single source there would let a refresh replace the files.
        several = bool(version.report.get("sources"))
        Dataset.objects.filter(pk=version.dataset_id).update(
            source="" if several else version.source, updated_at=timezone.now()
        )


def rollback(dataset: Dataset, to: int | None = None) -> DatasetVersion:
    """Publish version `to`, or the one before the current version, and return it."""
    current = dataset.latest_version
    kept = dataset.versions.filter(status__in=[Status.PUBLISHED, Status.SUPERSEDED])
    if to is None:
        if current is None:
            raise VersionError(f"dataset {dataset.slug!r} has no published version to roll back.")
        target = kept.filter(number__lt=current.number).order_by("-number").first()
        if target is None:
            raise VersionError(
                f"dataset {dataset.slug!r} has no version older than v{current.number} "
                "left to roll back to."
            )
    else:
        target = kept.filter(number=to).first()
        if target is None:
            choices = ", ".join(f"v{n}" for n in kept.values_list("number", flat=True))
            raise VersionError(
                f"dataset {dataset.slug!r} has no kept version {to} "
                f"(kept: {choices or 'none'}); pass one of those to --to."
            )
    if not warehouse.version_path(dataset.slug, target.number).is_file():
        raise VersionError(
            f"the file of {dataset.slug!r} v{target.number} is missing "
            f"({warehouse.version_path(dataset.slug, target.number)}); choose another version."
        )
    engine = engines.current()
    if not engine.has_version(dataset.slug, target.number):
        raise VersionError(
            f"{engine.title} no longer holds {dataset.slug!r} v{target.number} "
            f"({engines.version_relation(dataset.slug, target.number)}); choose another version."
        )
    with transaction.atomic():
        dataset.versions.filter(status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
        target.status = Status.PUBLISHED
        target.published_at = timezone.now()
        target.save(update_fields=["status", "published_at"])
    return target


def prune(dataset: Dataset, keep: int | None = None) -> list[int]:
    """Delete the files of all but the newest `keep` kept versions; return their numbers.

    A version's download files (catalog.exports) go with it: #16 found 1.1 GB of exports
    of long-gone versions on a 50,000-row demo.
    """
    keep = settings.CITYSTAT_KEEP_VERSIONS if keep is None else keep
    kept = list(
        dataset.versions.filter(status__in=[Status.PUBLISHED, Status.SUPERSEDED]).order_by(
            "-number"
        )
    )
    # The published version always stays, even when a rollback made it an old one.
    extra = [version for version in kept[keep:] if version.status != Status.PUBLISHED]
    for version in extra:
        engines.current().drop_version(dataset.slug, version.number)
        warehouse.version_path(dataset.slug, version.number).unlink(missing_ok=True)
    numbers = [version.number for version in extra]
    exports.remove_exports(dataset.slug, numbers)
    dataset.versions.filter(number__in=numbers).update(status=Status.REMOVED)
    # Files left by versions removed before exports were pruned, or by a build that
    # finished after its version was removed.
    exports.remove_stale_exports(dataset)
    return numbers


def fsync_folder(path: os.PathLike[str] | str) -> None:
    """Flush a folder's entries so a rename survives a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


RowChange = Literal["new", "changed", "both"]


@dataclass
class PlaceRows:
    """The rows a new version brought to one place: how many, and the first few of them."""

    column: str
    value: str
    count: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def changed_rows(old: ir.Table, new: ir.Table, key: list[str], change: RowChange) -> ir.Table:
    """Return the rows of `new` that are new, changed, or either, compared with `old`.

    EXCEPT compares whole rows with NULL equal to NULL, so a row whose values all stayed
    is never counted, whatever its empty cells. With a key, a differing row whose key was
    already there is changed and one whose key was not is new; without a key every
    differing row counts as new (watches.watch_problems refuses "changed" then).
    """
    shared = [name for name in new.columns if name in old.columns]
    differing = new.select(*shared).difference(old.select(*shared))
    if change == "both" or not key:
        return differing
    if change == "new":
        return differing.anti_join(old.select(*key), key)
    return differing.semi_join(old.select(*key), key)


def rows_by_place(
    dataset: Dataset,
    old: int | None,
    new: int,
    *,
    change: RowChange,
    place_fields: list[str],
    show_fields: list[str],
    sample: int = 10,
) -> list[PlaceRows]:
    """Count, per value of each place field, the rows version `new` brought since `old`.

    The comparison and the counting run in the warehouse engine; only the counts and
    `sample` rows per place come back. A dataset's first version (`old` None) is where
    its history starts, so it brings nothing.
    """
    if old is None:
        return []
    key = primary_key(dataset.table_schema)
    found: list[PlaceRows] = []
    with engines.open_session() as session:
        before = session.version_table(dataset.slug, old)
        after = session.version_table(dataset.slug, new)
        missing = [
            name
            for name in {*key, *place_fields, *show_fields}
            if name not in after.columns or name not in before.columns
        ]
        if missing:
            raise VersionError(
                f"dataset {dataset.slug!r}: v{old} and v{new} do not both have "
                f"{', '.join(sorted(missing))}, so their rows cannot be compared."
            )
        rows = changed_rows(before, after, key, change)
        order = [ibis.asc(name) for name in (key or show_fields)]
        for place in place_fields:
            placed = rows.filter(rows[place].notnull())
            counts = placed.group_by(place).aggregate(count=placed.count())
            ranked = placed.mutate(
                _rank=ibis.row_number().over(ibis.window(group_by=place, order_by=order))
            )
            first = ranked.filter(ranked._rank < sample).select(place, *show_fields)
            counted = counts.to_pyarrow().to_pylist()
            shown: dict[str, list[dict[str, Any]]] = {}
            for row in first.to_pyarrow().to_pylist():
                shown.setdefault(str(row[place]), []).append(
                    {name: row[name] for name in show_fields}
                )
            for row in counted:
                value = str(row[place])
                found.append(PlaceRows(place, value, int(row["count"]), shown.get(value, [])))
    return found
