"""The `citystat` console script, run as a person would run it."""

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from citystat import __version__

CITYSTAT = [sys.executable, "-m", "citystat"]


def run_cli(*args: str, tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path / "home"), **environment}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # Each run gets its own SQLite file under tmp_path unless the test names a database.
    if "DATABASE_URL" not in environment:
        env.pop("DATABASE_URL", None)
    return subprocess.run(
        [*CITYSTAT, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_help_lists_citystats_own_commands_with_a_line_each(tmp_path):
    result = run_cli("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for command in ("demo", "demo-data", "serve", "ingest", "city", "migrate", "createsuperuser"):
        assert f" {command} " in result.stdout
    assert "Build the demo city" in result.stdout


@pytest.mark.parametrize("flag", ["--version", "version"])
def test_version_is_citystats_own(flag, tmp_path):

    result = run_cli(flag, tmp_path=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"citystat {__version__}\n"
    assert version("citystat") == __version__


def test_a_broken_database_url_is_one_sentence_and_exit_2(tmp_path):
    result = run_cli("migrate", tmp_path=tmp_path, DATABASE_URL="mysqlx://nobody@nowhere/db")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "postgres://" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_server_is_one_sentence_and_exit_2(tmp_path):
    result = run_cli(
        "migrate",
        tmp_path=tmp_path,
        DATABASE_URL="postgres://citystat:secret@127.0.0.1:1/citystat",
    )
    assert result.returncode == 2
    assert "cannot use the app database" in result.stderr
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_when_the_warehouse_cannot_open(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert run_cli("migrate", tmp_path=tmp_path).returncode == 0
    warehouse = str(blocker / "warehouse.duckdb")
    (tmp_path / "home").mkdir(exist_ok=True)
    result = run_cli("ingest", "x", "y.csv", tmp_path=tmp_path, CITYSTAT_WAREHOUSE=warehouse)
    assert result.returncode == 2 and "no dataset 'x'" in result.stderr
    result = run_cli("serve", "--port", "8999", tmp_path=tmp_path, CITYSTAT_WAREHOUSE=warehouse)
    assert result.returncode == 2
    assert "not serving" in result.stderr and "CITYSTAT_WAREHOUSE" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_without_tables_says_to_migrate(tmp_path):
    result = run_cli("ingest", "x", "y.csv", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "citystat migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_the_default_secret_key(tmp_path):
    result = run_cli("check", tmp_path=tmp_path, CITYSTAT_ALLOWED_HOSTS="stat.example.gov")
    assert result.returncode == 2
    assert "CITYSTAT_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_debug_on_a_public_host(tmp_path):
    result = run_cli(
        "check",
        tmp_path=tmp_path,
        CITYSTAT_ALLOWED_HOSTS="stat.example.gov",
        CITYSTAT_SECRET_KEY="x" * 50,
        CITYSTAT_DEBUG="1",
    )
    assert result.returncode == 2
    assert "CITYSTAT_DEBUG" in result.stderr


def test_a_yes_no_setting_with_another_word_is_refused(tmp_path):
    result = run_cli("check", tmp_path=tmp_path, CITYSTAT_DEBUG="maybe")
    assert result.returncode == 2
    assert "CITYSTAT_DEBUG='maybe'" in result.stderr


def test_an_unwritable_home_is_one_sentence_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("migrate", tmp_path=tmp_path, CITYSTAT_HOME=str(blocker / "home"))
    assert result.returncode == 2
    assert "CITYSTAT_HOME" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("rows", ["-5", "0"])
def test_demo_refuses_a_non_positive_size(tmp_path, rows):
    result = run_cli("demo", "--rows", rows, "--no-serve", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "--rows" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_commands_without_importing_them(tmp_path):
    listing = (
        "import sys; from citystat.cli import run; run(['citystat', '--help']); "
        "print(sorted(m for m in sys.modules if m.startswith('citystat.') and "
        "'.management.commands.' in m))"
    )
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path / "home")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, env=env, check=True
    )
    assert " compute " in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_only_serve_and_upgrade_of_citystats_commands_run_the_system_checks(db):
    checked = {
        name
        for name, app in get_commands().items()
        if app.startswith("citystat") and load_command_class(app, name).requires_system_checks
    }
    assert checked == {"serve", "upgrade"}


HEAVY_LIBRARIES = ["ibis", "pyarrow", "duckdb", "pyspark", "weasyprint", "vl_convert", "pandas"]


@pytest.fixture(scope="module")
def migrated_home_env(tmp_path_factory):
    env = {**os.environ, "CITYSTAT_HOME": str(tmp_path_factory.mktemp("light") / "home")}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "citystat", "migrate", "-v0"], env=env, check=True)
    return env


@pytest.mark.parametrize("command", [[], ["--help"], ["datasets"], ["measures", "--json"]])
def test_start_up_and_light_commands_load_no_heavy_library(migrated_home_env, command):
    """Ibis, pyarrow, DuckDB, Spark, WeasyPrint and vl-convert cost seconds to import: only
    the commands and views that use them load them (#23)."""
    env = migrated_home_env
    if command:
        script = (
            "import sys; from citystat.cli import run\n"
            f"try:\n    run(['citystat', *{command!r}])\nexcept SystemExit:\n    pass\n"
        )
    else:
        script = (
            "import os, sys, django; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'citystat.settings'); "
            "django.setup()\n"
        )
    script += f"print([m for m in {HEAVY_LIBRARIES!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
