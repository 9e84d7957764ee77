"""Anchors: the audit chain's head, written down outside the database from time to time.

Cutting the newest entries off the log and resetting the head row leaves a chain that
checks out on its own. Each anchor is one JSON line appended to `CITYSTAT_AUDIT_ANCHORS`
(sequence number, the entry's HMAC, the time, the key's id), and optionally sent to
syslog, so `citystat audit verify` can tell that entries it once saw are gone. Anchors are
written every `CITYSTAT_AUDIT_ANCHOR_EVERY` entries, on each `citystat refresh` run and by
`citystat audit anchor`.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("citystat.audit")

# The last anchor is found by reading this much of the file's end, not the whole file.
TAIL_BYTES = 4096


@dataclass
class Anchor:
    sequence: int
    hash: str
    at: str
    key: str

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")) + "\n"


def anchor_file() -> Path:
    return Path(settings.CITYSTAT_AUDIT_ANCHORS).expanduser()


def append_anchor(sequence: int, entry_hash: str, key_id: str) -> Anchor:
    """Append one anchor line (and send it to syslog if configured); return it."""
    anchor = Anchor(sequence, entry_hash, timezone.now().isoformat(timespec="seconds"), key_id)
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: concurrent writers each add whole lines, and nothing before is rewritten.
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, anchor.line().encode())
        os.fsync(handle)
    finally:
        os.close(handle)
    send_to_syslog(anchor)
    return anchor


def send_to_syslog(anchor: Anchor) -> None:
    address = settings.CITYSTAT_AUDIT_SYSLOG
    if not address:
        return
    target: str | tuple[str, int]
    if address.startswith("/"):
        target = address
    else:
        host, _, port = address.rpartition(":")
        target = (host.strip("[]") or "localhost", int(port or 514))
    text = f"citystat audit anchor #{anchor.sequence} {anchor.hash} key {anchor.key}"
    try:
        handler = logging.handlers.SysLogHandler(address=target)
    except OSError as error:
        logger.error("audit anchor #%s not sent to syslog %s: %s", anchor.sequence, address, error)
        return
    try:
        handler.ident = "citystat: "
        handler.emit(
            logging.makeLogRecord({"msg": text, "levelno": logging.INFO, "levelname": "INFO"})
        )
    finally:
        handler.close()


def read_anchors() -> tuple[list[Anchor], list[str]]:
    """Return the anchors in the file, and a problem for each line that cannot be read."""
    path = anchor_file()
    if not path.exists():
        return [], []
    anchors, problems = [], []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                anchors.append(Anchor(**json.loads(line)))
            except (ValueError, TypeError) as error:
                problems.append(f"{path}, line {number}: is not an anchor ({error})")
    return anchors, problems


def last_anchor() -> Anchor | None:
    path = anchor_file()
    if not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - TAIL_BYTES, 0))
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        try:
            return Anchor(**json.loads(line))
        except (ValueError, TypeError):
            continue
    return None
