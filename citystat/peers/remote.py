"""Read JSON from a peer over HTTP, through the catalog's checked connections.

A peer's URL is a request the server makes on staff's behalf, so it goes through
catalog/fetch.py's address checks (no internal network unless CITYSTAT_SOURCE_ALLOW_HOSTS
names it). Whatever comes back that is not a JSON answer is a `PeerFailed` carrying the
first line of what came back, which `peers list` and the staff page show.

    answer = get_json("https://data.example.gov/resource/abcd-1234.json?$limit=5")
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from citystat.catalog.fetch import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    CheckedHTTPConnection,
    CheckedHTTPSConnection,
    SourceError,
    check_url,
)
from citystat.lib.errors import CitystatError

TIMEOUT = 60.0
# A peer's answer larger than this is refused rather than held in memory.
MAX_BYTES = 256 * 1024 * 1024


class PeerFailed(CitystatError):
    """A peer that did not answer with the JSON asked for."""


@dataclass
class Counter:
    """How many requests were sent and data rows read (benchmarks/peers.py reads it)."""

    requests: int = 0
    rows: int = 0


COUNTER = Counter()


def first_line(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    line = text.splitlines()[0] if text else "(an empty answer)"
    return line[:300]


def get_json(url: str, timeout: float = TIMEOUT) -> Any:
    """Return the JSON answer to GET `url`, or raise PeerFailed saying what came back."""
    current, body = get_answer(url, timeout)
    try:
        return json.loads(body)
    except ValueError:
        raise PeerFailed(f"not JSON from {current}: {first_line(body)}") from None


def get_bytes(url: str, timeout: float = TIMEOUT) -> bytes:
    """Return the body of GET `url`, or raise PeerFailed saying what came back."""
    return get_answer(url, timeout)[1]


def get_answer(url: str, timeout: float) -> tuple[str, bytes]:
    """Return (the URL it ended at, the body) of a 200 answer to GET `url`."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            target = check_url(current)
        except SourceError as error:
            raise PeerFailed(str(error)) from None
        kind = CheckedHTTPSConnection if target.scheme == "https" else CheckedHTTPConnection
        connection = kind(target, timeout)
        COUNTER.requests += 1
        try:
            connection.request(
                "GET", target.path, headers={"User-Agent": "citystat", "Accept": "application/json"}
            )
            response = connection.getresponse()
            body = response.read(MAX_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            raise PeerFailed(f"{current}: {type(error).__name__}: {error}") from None
        finally:
            connection.close()
        if response.status in REDIRECT_STATUSES and response.getheader("Location"):
            current = urllib.parse.urljoin(current, response.getheader("Location") or "")
            continue
        if len(body) > MAX_BYTES:
            raise PeerFailed(f"{current}: the answer is larger than {MAX_BYTES} bytes.")
        if response.status != 200:
            raise PeerFailed(f"HTTP {response.status} from {current}: {first_line(body)}")
        return current, body
    raise PeerFailed(f"{url}: more than {MAX_REDIRECTS} redirects.")
