"""One small demo city per test session, shared by the generator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from citystat.demo.generator import generate_city

SMALL_ROWS = 30_000
SMALL_SEED = 2024


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small-city")
    generate_city(out, rows=SMALL_ROWS, seed=SMALL_SEED)
    return out
