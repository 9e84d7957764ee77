"""The audit log's HMAC key, kept out of the database the log lives in.

Someone who can write to the app database can recompute a plain SHA-256 chain, but not an
HMAC without this key. It comes from `CITYSTAT_AUDIT_KEY`, or else from
`CITYSTAT_HOME/audit.key`, which the first writer creates with mode 0600. A key file that
group or others may read is refused: a key anyone on the server can read signs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

from django.conf import settings

from citystat.lib.errors import CitystatError

KEY_FILE_NAME = "audit.key"
SHORTEST_KEY = 32


class AuditKeyError(CitystatError):
    pass


class MissingAuditKey(AuditKeyError):
    pass


read_keys: dict[tuple[str, int, int, int], bytes] = {}


def key_file() -> Path:
    return Path(settings.CITYSTAT_HOME) / KEY_FILE_NAME


def audit_key(*, create: bool = True) -> bytes:
    """Return the HMAC key: `CITYSTAT_AUDIT_KEY`, else the key file (made if `create`)."""
    if settings.CITYSTAT_AUDIT_KEY:
        return str(settings.CITYSTAT_AUDIT_KEY).encode()
    # Every audited save asks for the key, so this path stays on plain strings and one
    # stat; the file is read again only when it changed.
    path = os.path.join(settings.CITYSTAT_HOME, KEY_FILE_NAME)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not create:
            raise MissingAuditKey(
                f"there is no audit key: CITYSTAT_AUDIT_KEY is unset and {path} does not "
                "exist. Put back the audit.key this site's log was written with, or set "
                "CITYSTAT_AUDIT_KEY to it."
            ) from None
        create_key_file(Path(path))
        info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise AuditKeyError(
            f"the audit key file {path} can be read by group or others (mode {mode:04o}), "
            f"so it is not used; run chmod 600 {path}, or set CITYSTAT_AUDIT_KEY instead."
        )
    version = (path, info.st_ino, info.st_mtime_ns, info.st_size)
    if version in read_keys:
        return read_keys[version]
    text = Path(path).read_text(encoding="utf-8").strip()
    if len(text) < SHORTEST_KEY:
        raise AuditKeyError(
            f"the audit key file {path} holds {len(text)} characters, fewer than "
            f"{SHORTEST_KEY}; put back the key this site's log was written with."
        )
    read_keys.clear()
    read_keys[version] = text.encode()
    return read_keys[version]


def create_key_file(path: Path) -> None:
    """Write a new random key to `path` with mode 0600, unless another process just did.

    The key goes into a private temporary file that is then hard-linked into place, so two
    workers starting at once end up using the same key and none reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit.key.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def key_id(key: bytes) -> str:
    """Return a short name for `key` that reveals nothing of it, to tell two keys apart."""
    return hmac.new(key, b"citystat audit key id", hashlib.sha256).hexdigest()[:16]
