"""Fixtures for tests that run real `citystat serve` processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected and compressed once per test session (half a minute of CPU);
    each test's home gets a copy, which `citystat serve` sees is up to date."""
    home = tmp_path_factory.mktemp("static-home")
    env = {**os.environ, "CITYSTAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "citystat", "shell", "-c",
         "from citystat.ops.server import collect_static_if_changed as c; c()"],
        env=env, check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    return home / "static"


def home_with_static(folder: Path, collected_static: Path) -> Path:
    """Make a CITYSTAT_HOME holding a copy of the collected static files."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(collected_static, folder / "static")
    return folder
