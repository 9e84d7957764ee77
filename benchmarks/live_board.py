"""300 residents watch a meeting's live question board while a moderator changes it.

    .venv/bin/python benchmarks/live_board.py              # 300 viewers, 60 s
    .venv/bin/python benchmarks/live_board.py --viewers 50 --seconds 20

It sets up a city under --home (default /tmp/citystat-live-board-bench): the demo city
with --demo-rows N, otherwise a migrated database with a small city file, which is all
the board reads. It adds a meeting happening now with approved questions and starts
`citystat serve` (gunicorn, --workers, caches in the app database as by default) on
it. Then, for --seconds:

- every viewer polls `GET /meetings/<id>/board/?since=<version it holds>` every 2 s, as
  the meeting page's htmx does (204 while unchanged), each starting at a random moment;
- every 5 s the moderator changes the board, through the same code the staff page runs,
  in this process on the same database: in turn, puts the next question on screen
  (`moderation.put_on_screen`) and marks it answered live with a published answer text
  of about 600 characters (`moderation.answered_live`), so the board grows as it does.

Update latency is the time from a change being committed to a viewer receiving the new
board version; every viewer counts for every change. Errors are responses other than
200/204 and failed connections. The baseline, measured the same way in the same run by
the same viewers, is the cheapest request the server answers: a static file from
WhiteNoise. Target: p95 update latency under 3 s, zero errors. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import django
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.utils import timezone
from results import record

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 2.0
CHANGE_SECONDS = 5.0
TARGET_P95 = 3.0
# A board version is a stamp (plan/revision.py): a token, ordered only by when it was made.
VERSION = re.compile(rb'data-board-version="([0-9a-f+-]+)"')
# A live answer of typical length (about 600 characters), published on its question.
ANSWER = (
    "The department has added two crews since the spring and now closes most reports "
    "within the week; the backlog in the older neighborhoods is the next to go. "
) * 4


def setup(home: Path, rows: int) -> int:
    """Set up the city and add a live meeting; return the meeting's id.

    With `rows`, the demo city of that size (built once, reused); without, only the
    migrated database and the engagement tests' two-neighborhood city file: the board
    reads nothing but the meeting's questions, so the city's size does not change it.
    """
    home.mkdir(parents=True, exist_ok=True)
    os.environ["CITYSTAT_HOME"] = str(home)
    # The benchmark measures the default deployment: caches in the app database.
    os.environ.pop("CITYSTAT_CACHE_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    sys.path.insert(0, str(ROOT))

    django.setup()

    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.city.profile import load_city_file  # noqa: PLC0415
    from citystat.demo.build import build_demo_city  # noqa: PLC0415
    from citystat.engagement.models import Question  # noqa: PLC0415
    from citystat.meetings.models import Meeting  # noqa: PLC0415

    if rows:
        build_demo_city(rows=rows)
    else:
        call_command("migrate", verbosity=0, interactive=False)
        load_city_file(ROOT / "citystat/engagement/tests/fixtures/city.yaml")
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="KCStat: live board benchmark",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
    )
    for number in range(1, 31):
        Question.objects.create(
            text=f"Benchmark question {number}: when will the work in my area be done?",
            channel="form",
            meeting=meeting,
            state="approved",
        )
    return meeting.pk


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CITYSTAT_HOME": str(home), "CITYSTAT_LOG_LEVEL": "WARNING"}
    command = [
        str(ROOT / ".venv/bin/citystat"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # The first start collects and compresses the static files: minutes on a busy machine.
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("citystat serve did not start within 900 s")


class Connection:
    """A keep-alive HTTP/1.1 client for GETs: enough for a poll, no dependency."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                return await self.exchange(path)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt:
                    raise
        raise ConnectionError("unreachable")

    async def exchange(self, path: str) -> tuple[int, dict[str, str], bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return status, headers, body


@dataclass
class Run:
    made: list[float] = field(default_factory=list)  # each change's commit time, in order
    places: dict[str, int] = field(default_factory=dict)  # version → its place in `made`
    seen: list[float] = field(default_factory=list)  # update latencies, seconds
    request_seconds: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def viewer(port: int, path: str, stop: float, run: Run, track: bool) -> None:
    """Poll like the meeting page: `?since=<version held>`, 204 until the board changes."""
    connection = Connection(port)
    version = ""
    held = -1  # the place of the viewer's version among the moderator's changes
    await asyncio.sleep(random.uniform(0, POLL_SECONDS))
    while time.monotonic() < stop:
        started = time.monotonic()
        asked = f"{path}?since={version}" if track and version else path
        try:
            status, _headers, body = await connection.get(asked)
        except (OSError, asyncio.IncompleteReadError):
            run.errors += 1
            connection = Connection(port)
            await asyncio.sleep(POLL_SECONDS)
            continue
        received = time.monotonic()
        run.requests += 1
        run.statuses[status] = run.statuses.get(status, 0) + 1
        run.request_seconds.append(received - started)
        if status not in (200, 204):
            run.errors += 1
        elif status == 200 and track:
            found = VERSION.search(body)
            new = found.group(1).decode() if found else ""
            place = run.places.get(new, held)
            if version:
                # Every change this viewer had not seen yet counts, from its commit.
                for at in run.made[held + 1 : place + 1]:
                    run.seen.append(received - at)
            version, held = new, max(held, place)
        await asyncio.sleep(max(0.0, POLL_SECONDS - (time.monotonic() - started)))


async def moderator(meeting_id: int, stop: float, run: Run) -> None:
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.engagement.board import board_version  # noqa: PLC0415
    from citystat.engagement.models import Question  # noqa: PLC0415
    from citystat.engagement.moderation import answered_live, put_on_screen  # noqa: PLC0415

    def change(number: int) -> tuple[str, float]:
        questions = list(Question.objects.filter(meeting_id=meeting_id).order_by("pk"))
        question = questions[(number // 2) % len(questions)]
        if number % 2 == 0:
            put_on_screen(question)
        else:
            # The answer given live is published on the question: the board grows with
            # every answer, as it does in a real meeting.
            answered_live(question, answer=ANSWER)
        return board_version(meeting_id), time.monotonic()

    number = 0
    await asyncio.sleep(CHANGE_SECONDS)
    while time.monotonic() < stop - POLL_SECONDS * 2:
        version, at = await sync_to_async(change)(number)
        run.places[version] = len(run.made)
        run.made.append(at)
        number += 1
        await asyncio.sleep(CHANGE_SECONDS)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def phase(port: int, path: str, viewers: int, seconds: float, meeting_id: int | None) -> Run:
    run = Run()
    stop = time.monotonic() + seconds
    tasks = [viewer(port, path, stop, run, meeting_id is not None) for _ in range(viewers)]
    if meeting_id is not None:
        tasks.append(moderator(meeting_id, stop, run))
    await asyncio.gather(*tasks)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/citystat-live-board-bench"))
    parser.add_argument(
        "--demo-rows", type=int, default=0, help="serve the demo city of this many 311 rows"
    )
    parser.add_argument("--viewers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    meeting_id = setup(options.home, options.demo_rows)
    port = free_port()
    server = start_server(options.home, port, options.workers)
    try:
        baseline = asyncio.run(
            phase(port, "/static/css/citystat.css", options.viewers, options.baseline_seconds, None)
        )
        board = asyncio.run(
            phase(
                port, f"/meetings/{meeting_id}/board/", options.viewers, options.seconds, meeting_id
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    base_p95 = percentile(baseline.request_seconds, 0.95)
    board_p95 = percentile(board.request_seconds, 0.95)
    update_p95 = percentile(board.seen, 0.95)
    print(
        f"viewers {options.viewers}, {options.seconds:.0f} s, {options.workers} workers, "
        f"{len(board.made)} board changes"
    )
    print(
        f"baseline (static file): {baseline.requests} requests, p50 "
        f"{statistics.median(baseline.request_seconds) * 1000:.1f} ms, p95 "
        f"{base_p95 * 1000:.1f} ms, errors {baseline.errors}"
    )
    print(
        f"board polls: {board.requests} requests ({board.requests / options.seconds:.0f}/s), "
        f"p50 {statistics.median(board.request_seconds) * 1000:.1f} ms, p95 "
        f"{board_p95 * 1000:.1f} ms, errors {board.errors}"
    )
    print(f"ratio board p95 / static p95: {board_p95 / base_p95:.2f}")
    print(
        f"update latency over {len(board.seen)} viewer-updates: p50 "
        f"{percentile(board.seen, 0.5):.2f} s, p95 {update_p95:.2f} s, max "
        f"{max(board.seen, default=float('nan')):.2f} s (target p95 < {TARGET_P95:.0f} s)"
    )
    ok = update_p95 < TARGET_P95 and board.errors == 0 and baseline.errors == 0
    viewers = f"{options.viewers} viewers, {options.seconds:.0f} s"
    record(
        f"live board update latency p95 ({viewers})",
        update_p95,
        "s",
        target=f"< {TARGET_P95:.0f} s",
        met=update_p95 < TARGET_P95,
    )
    record(
        f"live board poll p95 ({viewers})",
        board_p95 * 1000,
        "ms",
        baseline=base_p95 * 1000,
        baseline_label="static file, same viewers",
    )
    record(
        f"live board errors ({viewers})",
        board.errors + baseline.errors,
        "errors",
        target="0",
        met=board.errors + baseline.errors == 0,
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
