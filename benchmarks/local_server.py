"""What the benchmarks that start `citystat serve` share: a free port, waiting for an
answer, and running citystat commands in a benchmark's own home."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def citystat(home: Path, command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYSTAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "citystat", *command], env=env, cwd=ROOT, check=True, **kwargs
    )
