"""What each part of CITYSTAT_HOME holds on disk, for `citystat doctor` (#16, Medium 9).

A home grows by its warehouse versions, exports, uploads and backups; an operator whose
disk fills needs to see which one grew before deciding what to prune.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from citystat.catalog import warehouse
from citystat.catalog.uploads import upload_folder


@dataclass
class Part:
    name: str
    path: str
    bytes: int
    files: int

    def to_dict(self) -> dict[str, str | int]:
        return asdict(self)


def folder_size(folder: Path, hidden: bool | None = None) -> tuple[int, int]:
    """Return (bytes, files) under `folder`; only hidden or only visible files when asked.

    A hidden file is one with a hidden folder or name on its path below `folder`: the
    warehouse keeps a load's staging file, spill folder and lock that way.
    """
    total = count = 0
    for root, _folders, names in os.walk(folder):
        below = Path(root).relative_to(folder).parts
        for name in names:
            is_hidden = name.startswith(".") or any(part.startswith(".") for part in below)
            if hidden is not None and is_hidden != hidden:
                continue
            try:
                stat = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue  # removed while we looked (a finished load's staging file)
            total += stat.st_size
            count += 1
    return total, count


def home_usage() -> list[Part]:
    """Return the space each part of the home uses, then the rest of the home and the total."""
    home = Path(settings.CITYSTAT_HOME)
    media = Path(settings.MEDIA_ROOT)
    uploads = upload_folder("x").parent
    try:
        store = warehouse.warehouse_root()
    except warehouse.WarehouseUnavailable:
        store = home / "warehouse"
    versions = folder_size(store, hidden=False)
    published = [
        path.stat().st_size for path in warehouse.published_files().values() if path.is_file()
    ]
    parts = [
        database_part(),
        Part("published versions", str(store), sum(published), len(published)),
        Part(
            "older versions (rollback)",
            str(store),
            *subtract(versions, (sum(published), len(published))),
        ),
        Part("staging, spill and locks", str(store), *folder_size(store, hidden=True)),
        Part("exports", str(home / "exports"), *folder_size(home / "exports")),
        Part("uploads", str(uploads), *folder_size(uploads)),
        Part("other media", str(media), *subtract(folder_size(media), folder_size(uploads))),
        Part("backups", str(home / "backups"), *folder_size(home / "backups")),
        Part("logs", str(home / "logs"), *folder_size(home / "logs")),
        Part("outgoing mail", str(home / "mail"), *folder_size(home / "mail")),
        Part("static files", str(home / "static"), *folder_size(home / "static")),
        Part("demo city", str(home / "demo"), *folder_size(home / "demo")),
    ]
    # The parts split their folders without overlap, so those inside the home add up.
    inside = [part for part in parts if part.path and Path(part.path).is_relative_to(home)]
    counted = (sum(part.bytes for part in inside), sum(part.files for part in inside))
    total = folder_size(home)
    parts.append(Part("everything else", str(home), *subtract(total, counted)))
    parts.append(Part("home total", str(home), *total))
    return parts


def subtract(whole: tuple[int, int], part: tuple[int, ...]) -> tuple[int, int]:
    return max(whole[0] - part[0], 0), max(whole[1] - part[1], 0)


def database_part() -> Part:
    if connection.vendor != "sqlite":
        return Part(f"database ({connection.vendor}, not in the home)", "", 0, 0)
    name = Path(str(connection.settings_dict["NAME"]))
    files = [name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")]
    sizes = [path.stat().st_size for path in files if path.is_file()]
    return Part("database", str(name), sum(sizes), len(sizes))


def disk_free(home: Path) -> int:
    folder = next((path for path in [home, *home.parents] if path.exists()), Path("/"))
    return shutil.disk_usage(folder).free
