"""Say in one sentence when the disk, not the data, stops a command (#16, Low 15).

A full disk or a read-only home surfaces as an OSError, a DuckDB error or an SQLite one,
each worded its own way; without this, a load blames its source file ("cannot be read")
for a disk that is full, and `citystat backup` ends in a traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from citystat.lib.errors import CitystatError

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY_ERRNOS = {errno.EROFS}
DENIED_ERRNOS = {errno.EACCES, errno.EPERM}
# How DuckDB and SQLite word the same conditions (they carry no errno).
FULL_WORDS = ("no space left on device", "database or disk is full", "disk quota exceeded")
READ_ONLY_WORDS = ("read-only file system", "readonly database")
DENIED_WORDS = ("permission denied",)


class DiskProblem(CitystatError):
    """The disk is full, read-only or not writable; the data itself may be fine."""


def disk_problem(error: BaseException, home: Path) -> DiskProblem | None:
    """Return the one-sentence DiskProblem behind `error`, or None if the disk is not at fault.

    `home` is the folder named when the error does not say which file it was writing.
    """
    if isinstance(error, DiskProblem):
        return error
    number = getattr(error, "errno", None)
    text = str(error).lower()
    filename = getattr(error, "filename", None)
    path = Path(filename) if isinstance(filename, str) and filename else None
    inside_home = path is None or path.is_relative_to(home)
    if number in FULL_ERRNOS or any(word in text for word in FULL_WORDS):
        return DiskProblem(
            f"no space left on the disk of {home if inside_home else path}; free some "
            "space (`citystat doctor` shows what the home uses), then run the command "
            "again. The published data was not changed."
        )
    place = f"the home {home}" if inside_home else f"the folder {path.parent}"  # type: ignore[union-attr]
    target = f" {path}" if path is not None else " there"
    if number in READ_ONLY_ERRNOS or any(word in text for word in READ_ONLY_WORDS):
        return DiskProblem(
            f"{place} is read-only: citystat cannot write{target}; mount it read-write or "
            "set CITYSTAT_HOME to a writable folder. The published data was not changed."
        )
    if number in DENIED_ERRNOS or any(word in text for word in DENIED_WORDS):
        return DiskProblem(
            f"{place} is not writable by this user: citystat cannot write{target}; run "
            "citystat as the user that owns it or fix its permissions. "
            "The published data was not changed."
        )
    return None


@contextmanager
def disk_errors(home: Path) -> Iterator[None]:
    """Turn any error the disk under `home` caused into a DiskProblem; let others through."""
    try:
        yield
    except DiskProblem:
        raise
    except Exception as error:
        problem = disk_problem(error, home)
        if problem is None:
            raise
        raise problem from None
