"""`citystat backup` and `citystat restore`: the app database, warehouse and uploads in one
.tar.zst archive, with a manifest that says what made it.

The database is copied first, as one consistent snapshot while the site keeps serving
(SQLite's online backup API, or pg_dump's snapshot on PostgreSQL). The warehouse is copied
after it: its version files are immutable, so every file the snapshot's published
versions point at is already complete. A load that publishes in between only adds a file
the snapshot does not know about.

A load in progress is left out (#16, Low 16): hidden files and folders (its staging file,
DuckDB's spill folder, the load lock) are never archived, and catalog.versions marks
its `loading` row as failed, in the SQLite copy before it is archived and in any
restored database, so a restore never shows a half load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import zstandard
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from citystat.catalog.versions import fail_loads_after_restore, fail_loads_in_snapshot
from citystat.lib.errors import CitystatError
from citystat.lib.release import citystat_version

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"


class BackupError(CitystatError):
    pass


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def settings_fingerprint() -> dict[str, Any]:
    """Describe the settings a restore must agree with, without revealing any secret."""
    described = {
        "secret_key_sha256": hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()[:16],
        "database_vendor": connection.vendor,
        "time_zone": settings.TIME_ZONE,
        "allowed_hosts": list(settings.ALLOWED_HOSTS),
    }
    described["sha256"] = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
    return described


def warehouse_folder() -> Path | None:
    location = str(settings.CITYSTAT_WAREHOUSE)
    if "://" in location and not location.startswith("duckdb://"):
        return None  # An external warehouse is backed up by its own tools.
    return Path(location.removeprefix("duckdb://")).expanduser()


def snapshot_sqlite(source: sqlite3.Connection, destination: Path) -> None:
    """Copy a live SQLite database into `destination`, consistently.

    `VACUUM INTO` reads the whole database inside one read transaction, so a site that
    keeps writing cannot make it start over; the page-by-page backup API restarts on
    every write from another connection and can run for ever on a busy site.
    """
    source.execute("VACUUM INTO ?", [str(destination)])


def postgres_environment() -> tuple[list[str], dict[str, str]]:
    database = settings.DATABASES["default"]
    arguments = [
        f"--host={database.get('HOST') or 'localhost'}",
        f"--port={database.get('PORT') or 5432}",
        f"--username={database.get('USER') or ''}",
    ]
    environment = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    return arguments, environment


def run_postgres_tool(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed; install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) to back up or restore PostgreSQL."
        )
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {reason}")


def dump_database(folder: Path) -> str:
    connection.ensure_connection()
    if connection.in_atomic_block:
        # SQLite would wait forever for this connection's own write lock, and pg_dump
        # would not see the uncommitted rows: back up committed data only.
        raise BackupError("cannot back up from inside a database transaction.")
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():  # type: ignore[attr-defined]
            snapshot_sqlite(connection.connection, folder / SQLITE_FILE)
        else:
            source = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
            try:
                snapshot_sqlite(source, folder / SQLITE_FILE)
            finally:
                source.close()
        return SQLITE_FILE
    if connection.vendor == "postgresql":
        arguments, environment = postgres_environment()
        name = str(settings.DATABASES["default"]["NAME"])
        output = folder / POSTGRES_FILE
        run_postgres_tool(
            ["pg_dump", *arguments, "--format=custom", "--no-owner", f"--file={output}", name],
            environment,
        )
        return POSTGRES_FILE
    raise BackupError(f"cannot back up a {connection.vendor} database; use SQLite or PostgreSQL.")


def clean_snapshot(path: Path) -> list[str]:
    """Mark the loads caught running as failed in the SQLite copy at `path`; name them."""
    snapshot = sqlite3.connect(path)
    try:
        changed = fail_loads_in_snapshot(snapshot)
        snapshot.commit()
    finally:
        snapshot.close()
    return changed


def is_hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)


# Download files (`<warehouse>/<slug>/exports/`, citystat/catalog/exports.py) are written
# again from the version files by `citystat exports` after a restore; copying them would
# triple an archive for nothing (#16: 1.1 GB of them on a 50,000-row demo).
DERIVED_WAREHOUSE_FOLDER = "exports"


def is_derived(relative: Path) -> bool:
    return len(relative.parts) > 2 and relative.parts[1] == DERIVED_WAREHOUSE_FOLDER


def add_folder(archive: tarfile.TarFile, folder: Path | None, name: str) -> int:
    """Archive the files under `folder`, leaving out hidden ones (work in progress)."""
    if folder is None or not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.rglob("*")):
        if name == "warehouse" and is_derived(path.relative_to(folder)):
            continue
        if path.is_file() and not path.is_symlink() and not is_hidden(path, folder):
            archive.add(path, arcname=f"{name}/{path.relative_to(folder).as_posix()}")
            count += 1
    return count


@contextmanager
def removed_on_failure(path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def create_backup(output: Path) -> dict[str, Any]:
    """Write the archive to `output` (atomically) and return its manifest."""
    output = output.expanduser()
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="citystat-backup-") as scratch:
        database_file = dump_database(Path(scratch))
        in_progress = (
            clean_snapshot(Path(scratch) / database_file) if database_file == SQLITE_FILE else []
        )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "citystat_version": citystat_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": {"vendor": connection.vendor, "file": database_file},
            "migrations": applied_migrations(),
            "settings": settings_fingerprint(),
            "warehouse": "files" if warehouse_folder() is not None else "external",
            # Loads caught in progress, recorded as failed in the archived database.
            "loads_left_out": in_progress,
        }
        # A backup that fails half-way (a full disk) leaves no partial archive behind.
        with (
            removed_on_failure(partial),
            open(partial, "wb") as raw,
            zstandard.ZstdCompressor(level=10).stream_writer(raw) as compressed,
            tarfile.open(fileobj=compressed, mode="w|") as archive,
        ):
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
            archive.add(Path(scratch) / database_file, arcname=database_file)
            manifest["warehouse_files"] = add_folder(archive, warehouse_folder(), "warehouse")
            manifest["media_files"] = add_folder(archive, Path(settings.MEDIA_ROOT), "media")
    partial.replace(output)
    return manifest


def check_compatible(manifest: dict[str, Any]) -> None:
    """Refuse an archive this version cannot restore, saying what would work."""
    made_by = manifest.get("citystat_version", "an unknown version")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"this archive has backup format {manifest.get('format')!r} (made by citystat "
            f"{made_by}); this citystat {citystat_version()} reads format {FORMAT}. "
            f"Restore it with citystat {made_by}."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise BackupError(
            f"this archive was made by citystat {made_by}, whose database has changes this "
            f"citystat {citystat_version()} does not know ({shown}); install citystat "
            f"{made_by} or newer to restore it."
        )
    vendor = manifest.get("database", {}).get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            f"this archive holds a {vendor} database but DATABASE_URL points at "
            f"{connection.vendor}; restore into the same kind of database."
        )


def database_is_empty() -> bool:
    return "django_migrations" not in connection.introspection.table_names()


def restore_database(folder: Path, file_name: str) -> None:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(folder / file_name)
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    arguments, environment = postgres_environment()
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    run_postgres_tool(
        ["pg_restore", *arguments, "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", f"--dbname={name}", str(folder / file_name)],
        environment,
    )  # fmt: skip


def replace_folder(source: Path, target: Path | None) -> None:
    if target is None or not source.is_dir():
        return
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target)


def folder_has_files(folder: Path | None) -> bool:
    return folder is not None and folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def restore_backup(archive_path: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore an archive into this installation and migrate it; return its manifest."""
    if not archive_path.is_file():
        raise BackupError(f"no archive at {archive_path}.")
    with tempfile.TemporaryDirectory(prefix="citystat-restore-") as scratch:
        folder = Path(scratch)
        manifest = read_archive(archive_path, folder)
        if not replace:
            if not database_is_empty():
                raise BackupError(
                    "the app database already has tables; restore into a fresh "
                    "CITYSTAT_HOME or DATABASE_URL, or pass --replace to overwrite it."
                )
            if folder_has_files(warehouse_folder()) or folder_has_files(Path(settings.MEDIA_ROOT)):
                raise BackupError(
                    "the warehouse or media folder already has files; restore into a fresh "
                    "CITYSTAT_HOME, or pass --replace to overwrite them."
                )
        restore_database(folder, manifest["database"]["file"])
        replace_folder(folder / "warehouse", warehouse_folder())
        replace_folder(folder / "media", Path(settings.MEDIA_ROOT))
    call_command("migrate", interactive=False, verbosity=0)
    # A restored load that was running is shown failed, never half loaded.
    fail_loads_after_restore()
    return manifest


def read_archive(archive_path: Path, folder: Path) -> dict[str, Any]:
    """Unpack the archive into `folder`, checking the manifest before anything else."""
    manifest: dict[str, Any] | None = None
    try:
        with (
            open(archive_path, "rb") as raw,
            zstandard.ZstdDecompressor().stream_reader(raw) as stream,
            tarfile.open(fileobj=stream, mode="r|") as archive,
        ):
            for member in archive:
                if manifest is None:
                    if member.name != MANIFEST:
                        raise BackupError(f"{archive_path} is not a citystat backup (no manifest).")
                    extracted = archive.extractfile(member)
                    assert extracted is not None
                    manifest = json.loads(extracted.read())
                    check_compatible(manifest)
                    continue
                archive.extract(member, folder, filter="data")
    except (tarfile.TarError, zstandard.ZstdError, json.JSONDecodeError) as error:
        raise BackupError(f"{archive_path} is not a readable citystat backup ({error}).") from None
    if manifest is None:
        raise BackupError(f"{archive_path} is empty.")
    return manifest
