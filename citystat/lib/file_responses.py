"""Serve a finished file the way download managers and caches expect (RFC 9110).

`file_response` answers with the whole file (200), one byte range of it (206), a refusal
of a range past its end (416), or "not modified" (304) / "precondition failed" (412) from
Django's own conditional-request rules. The ETag is strong (size and modification time
in nanoseconds) because the files it serves are written once and renamed into place, so
a resumed download can never splice two different files together.

A request for several ranges gets the whole file, as RFC 9110 §14.2 allows; multipart
answers are rarely asked for and easy to get wrong.
"""

from __future__ import annotations

import os
import re
from typing import BinaryIO

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK_SIZE = 1 << 16


class FileSlice:
    """Read at most `length` bytes of `raw` from `start`, for a 206 answer.

    It has no fileno() on purpose: a WSGI server's sendfile() would otherwise send the
    file from `start` to its end, whatever Content-Length says.
    """

    def __init__(self, raw: BinaryIO, start: int, length: int) -> None:
        raw.seek(start)
        self.raw = raw
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        wanted = self.left if size is None or size < 0 else min(size, self.left)
        chunk = self.raw.read(wanted)
        self.left -= len(chunk)
        return chunk

    def close(self) -> None:
        self.raw.close()


def file_etag(stat: os.stat_result) -> str:
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


def requested_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """Return (first, last) byte of a single satisfiable range; None to send everything.

    False means the range is well formed but starts past the end (416).
    """
    match = BYTE_RANGE.match(header.strip())
    if match is None:
        return None  # absent, malformed or several ranges: the whole file
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None
        suffix = int(last_text)
        if suffix == 0:
            return False
        return max(size - suffix, 0), size - 1
    first = int(first_text)
    if first >= size:
        return False
    last = int(last_text) if last_text else size - 1
    if last < first:
        return None
    return first, min(last, size - 1)


def if_range_allows(request: HttpRequest, etag: str, modified: int) -> bool:
    """Say whether an If-Range header (if any) still names this very file."""
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith('"'):
        return condition == etag
    return parse_http_date_safe(condition) == modified


def file_response(
    request: HttpRequest, path: os.PathLike[str] | str, *, filename: str, content_type: str
) -> HttpResponseBase:
    """Answer a GET or HEAD for `path` with 200, 206, 304, 412 or 416.

    Raises FileNotFoundError when the file is gone; once opened, a file deleted meanwhile
    is still served whole.
    """
    raw = open(path, "rb")  # noqa: SIM115 — the response closes it
    stat = os.fstat(raw.fileno())
    etag, modified = file_etag(stat), int(stat.st_mtime)
    validators = HttpResponse()
    validators["ETag"] = etag
    validators["Last-Modified"] = http_date(modified)
    conditional = get_conditional_response(
        request, etag=etag, last_modified=modified, response=validators
    )
    if conditional is not validators:
        raw.close()
        return conditional  # type: ignore[return-value]
    wanted = requested_range(request.headers.get("Range", ""), stat.st_size)
    if wanted is not None and not if_range_allows(request, etag, modified):
        wanted = None
    if wanted is False:
        raw.close()
        refused = HttpResponse(
            f"The range {request.headers.get('Range')!r} starts past the end of this "
            f"{stat.st_size:,}-byte file; ask for bytes=0-{stat.st_size - 1} or less.",
            status=416,
            content_type="text/plain; charset=utf-8",
        )
        refused["Content-Range"] = f"bytes */{stat.st_size}"
        return refused
    response: FileResponse
    if isinstance(wanted, tuple):
        first, last = wanted
        length = last - first + 1
        response = FileResponse(
            FileSlice(raw, first, length),
            status=206,
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
        response["Content-Length"] = str(length)
        response["Content-Range"] = f"bytes {first}-{last}/{stat.st_size}"
    else:
        response = FileResponse(
            raw, as_attachment=True, filename=filename, content_type=content_type
        )
    response.block_size = BLOCK_SIZE
    response["ETag"] = etag
    response["Last-Modified"] = validators["Last-Modified"]
    response["Accept-Ranges"] = "bytes"
    return response
