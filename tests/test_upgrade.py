"""`citystat upgrade`: migrations, static files, cached pages, changed measures; twice is safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.cache import caches
from test_cli import run_cli

from citystat import __version__
from citystat.ops import upgrade as upgrade_module
from citystat.ops.upgrade import NewerHome, release_key, upgrade
from citystat.plan.compute.run import compute_measures, measures_changed_since_computed
from citystat.plan.tests.conftest import kansas_city, requests  # noqa: F401 (fixtures)
from citystat.plan.tests.test_compute_values import make_measure

REPOSITORY = Path(__file__).resolve().parents[1]
# The home this test upgrades is built by the last commit before the upgrade command
# existed; name the previous release's tag here once releases are tagged.
PREVIOUS_RELEASE = "4b8ed7d"


@pytest.fixture
def home(settings, tmp_path, monkeypatch):
    settings.CITYSTAT_HOME = tmp_path
    # Collecting static files is half a minute of CPU; the slow test below does it for real.
    monkeypatch.setattr(upgrade_module, "collect_static_if_changed", lambda: False)
    return tmp_path


def test_releases_compare_by_their_numbers():
    assert release_key("0.10.1") > release_key("0.9.3")
    assert release_key("1.0.0") > release_key("0.99")


@pytest.mark.usefixtures("requests")
def test_an_upgrade_recomputes_the_measures_never_computed_then_nothing(home):
    make_measure({"aggregate": "count", "grain": "month"}, slug="requests-made")
    caches["default"].set("citystat:page", "old template", 600)
    upgrade()
    assert (home / "citystat-release").read_text() == f"{__version__}\n"
    assert caches["default"].get("citystat:page") is None
    assert measures_changed_since_computed() == []
    report = upgrade()
    assert report.migrations == [] and report.previous_release == __version__


@pytest.mark.usefixtures("requests")
def test_only_measures_whose_spec_changed_are_recomputed(home):
    first = make_measure({"aggregate": "count", "grain": "month"}, slug="first")
    make_measure({"aggregate": "count", "grain": "quarter"}, slug="second")
    compute_measures()
    assert measures_changed_since_computed() == []
    first.spec = {**first.spec, "grain": "quarter"}
    first.save()
    assert [measure.slug for measure in measures_changed_since_computed()] == ["first"]


def test_a_home_from_a_newer_release_is_refused(home, db):
    (home / "citystat-release").write_text("99.0.0\n")
    with pytest.raises(NewerHome, match="install citystat 99.0.0 or later"):
        upgrade()
    assert (home / "citystat-release").read_text() == "99.0.0\n"


def test_the_command_refuses_a_newer_home_in_one_sentence(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "citystat-release").write_text("99.0.0\n")
    result = run_cli("upgrade", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "newer than this citystat" in result.stderr and "Traceback" not in result.stderr


def run(arguments: list[str], code: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(code), "CITYSTAT_HOME": str(home)}
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CITYSTAT_CACHE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "citystat", *arguments],
        cwd=code, env=env, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip


PAGES_AND_VALUES = """
import json
from django.test import Client
from citystat.plan.models import Measure, MeasureValue
client = Client()
measure = Measure.objects.filter(is_public=True).exclude(spec={}).order_by("slug").first()
pages = ["/", measure.get_absolute_url(), "/datasets/", "/meetings/", "/neighborhoods/"]
print(json.dumps({
    "statuses": {page: client.get(page, HTTP_HOST="127.0.0.1").status_code for page in pages},
    "values": sorted(MeasureValue.objects.values_list("measure__slug", "period", "breakdown",
                                                      "breakdown_value", "value")),
}))
"""


@pytest.mark.slow
def test_a_demo_home_of_the_previous_release_upgrades_and_serves_the_same_values(tmp_path):
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", PREVIOUS_RELEASE],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    previous = tmp_path / "previous"
    with tarfile.open(fileobj=BytesIO(archive)) as files:
        files.extractall(previous, filter="data")
    home = tmp_path / "home"
    run(["demo", "--rows", "2000", "--no-serve"], previous, home)

    upgraded = run(["upgrade"], REPOSITORY, home)
    assert "migrations applied" in upgraded.stdout
    assert f"now at citystat {__version__}" in upgraded.stdout
    # The previous release's audit entries are sealed under the key and verify.
    assert "intact" in run(["audit", "verify"], REPOSITORY, home).stdout.lower()
    again = run(["upgrade"], REPOSITORY, home)
    assert "0 migrations applied" in again.stdout and "Computed 0 measures" in again.stdout

    after_upgrade = json.loads(
        run(["shell", "-v", "0", "-c", PAGES_AND_VALUES], REPOSITORY, home).stdout
    )
    assert set(after_upgrade["statuses"].values()) == {200}
    # Everything the upgrade left in place equals what this release computes from scratch.
    run(["compute"], REPOSITORY, home)
    recomputed = json.loads(
        run(["shell", "-v", "0", "-c", PAGES_AND_VALUES], REPOSITORY, home).stdout
    )
    # DuckDB sums in parallel, so a float may differ in its last bits between two runs.
    keys = [row[:4] for row in after_upgrade["values"]]
    assert keys == [row[:4] for row in recomputed["values"]]
    nan = float("nan")  # a value that cannot be known is null; approx compares NaN with NaN
    assert [nan if row[4] is None else row[4] for row in after_upgrade["values"]] == pytest.approx(
        [nan if row[4] is None else row[4] for row in recomputed["values"]], rel=1e-12, nan_ok=True
    )
